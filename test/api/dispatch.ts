/** Calling the API handlers as a host does: a result, or the error it answers with. */
import { createBackend, type ApiContext, type Backend } from '../../src-main/api/handlers.js';
import type { ApiErrorShape } from '../../src-shared/api/contract.js';
import type { ImageOverview } from '../../src-shared/api/results.js';

/**
 * `call` resolves a method's result or throws with its error code and
 * message; `fail` resolves the error of a call that must fail. `asJson`
 * passes results through JSON, as the browser host sends them.
 */
export function dispatcher(backend: () => Backend, opts: { asJson?: boolean } = {}) {
  return {
    async call<T>(method: string, args: unknown): Promise<T> {
      const r = await backend().dispatch(method, args);
      if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
      return (opts.asJson ? JSON.parse(JSON.stringify(r.result)) : r.result) as T;
    },
    async fail(method: string, args: unknown): Promise<ApiErrorShape> {
      const r = await backend().dispatch(method, args);
      if (r.ok) throw new Error(`${method} succeeded with ${JSON.stringify(args)}`);
      return r.error;
    },
  };
}

/**
 * A backend whose workers (import, read) must start: one that did not
 * would answer in-thread, the same result by design, and a test of the
 * worker would pass without it. Its dispatch fails instead.
 */
export function workerBackend(ctx: Omit<ApiContext, 'log'>): Backend {
  const logged: string[] = [];
  const b = createBackend({ ...ctx, log: (l) => logged.push(l) });
  const dispatch = b.dispatch.bind(b);
  b.dispatch = async (m, a) => {
    const r = await dispatch(m, a);
    const fallback = logged.find((l) => l.includes('did not start'));
    if (fallback) throw new Error(fallback);
    return r;
  };
  return b;
}

/** The pids of the processes (not threads) an opened image holds, in order: what a capture by selector took. */
export const leaders = (ov: ImageOverview): number[] =>
  ov.tasks
    .filter((t) => t.pid === t.tgid)
    .map((t) => t.pid)
    .sort((a, b) => a - b);
