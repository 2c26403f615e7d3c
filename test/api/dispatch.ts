/** Calling the API handlers as a host does: a result, or the error it answers with. */
import type { Backend } from '../../src-main/api/handlers.js';
import type { ApiErrorShape } from '../../src-shared/api/contract.js';

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
