/**
 * The renderer's only way to the backend: a typed client over the contract.
 * In Electron the preload exposes `window.ckpt` (one function per method);
 * in a browser it calls the loopback host with the per-run token the page
 * was served with. Either way a failed call rejects with an ApiCallError
 * carrying the contract's error code and a message a person can act on.
 */
import type { ApiClient, ApiErrorShape, ApiEvent, MethodName, Reply } from '../../src-shared/api/contract.js';
import { METHOD_LIST } from '../../src-shared/api/methods.js';

export class ApiCallError extends Error {
  readonly code: string;
  readonly details: ApiErrorShape['details'];
  constructor(e: ApiErrorShape) {
    super(e.message);
    this.name = 'ApiCallError';
    this.code = e.code;
    this.details = e.details;
  }
}

type Listener = (ev: ApiEvent) => void;

declare global {
  interface Window {
    ckpt?: Record<string, ((args: unknown) => Promise<Reply<unknown>>) | unknown> & { onEvent?: (cb: Listener) => () => void };
  }
}

const listeners = new Set<Listener>();

function token(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="ckpt-token"]')?.content ?? '';
}

async function httpCall(method: string, args: unknown): Promise<Reply<unknown>> {
  let res: Response;
  try {
    res = await fetch(`/api/${method}`, {
      method: 'POST',
      // Refusals come back as {ok: false} with status 200 (the host's X-Ckpt-Errors), so the console does not log each one.
      headers: { 'Content-Type': 'application/json', 'X-Ckpt-Token': token(), 'X-Ckpt-Errors': 'in-body' },
      body: JSON.stringify(args ?? {}),
    });
  } catch (e) {
    return {
      ok: false,
      error: {
        code: 'unavailable',
        message: `the Checkpoint Studio backend does not answer (${(e as Error).message}); is "ckpt serve" still running?`,
      },
    };
  }
  try {
    return (await res.json()) as Reply<unknown>;
  } catch {
    return { ok: false, error: { code: 'internal', message: `the backend answered ${res.status} without a reply` } };
  }
}

async function httpEvents(): Promise<void> {
  for (;;) {
    try {
      const res = await fetch('/api/events', { headers: { 'X-Ckpt-Token': token() } });
      if (!res.ok || !res.body) throw new Error(String(res.status));
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const chunk = buf.slice(0, i);
          buf = buf.slice(i + 2);
          for (const line of chunk.split('\n')) if (line.startsWith('data: ')) dispatchEvent(JSON.parse(line.slice(6)) as ApiEvent);
        }
      }
    } catch {
      /* reconnect below */
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function dispatchEvent(ev: ApiEvent): void {
  for (const l of listeners) l(ev);
}

const bridge = typeof window !== 'undefined' ? window.ckpt : undefined;
export const hostKind: 'electron' | 'browser' = bridge ? 'electron' : 'browser';

async function call(method: MethodName, args: unknown): Promise<unknown> {
  const fn = bridge?.[method];
  const reply = typeof fn === 'function' ? await (fn as (a: unknown) => Promise<Reply<unknown>>)(args) : await httpCall(method, args);
  if (!reply.ok) throw new ApiCallError(reply.error);
  return reply.result;
}

export const api = Object.fromEntries(METHOD_LIST.map((m) => [m, (args: unknown) => call(m, args)])) as unknown as ApiClient;

let eventsStarted = false;
export function onEvent(l: Listener): () => void {
  listeners.add(l);
  if (!eventsStarted) {
    eventsStarted = true;
    if (bridge?.onEvent) bridge.onEvent(dispatchEvent);
    else void httpEvents();
  }
  return () => listeners.delete(l);
}

/**
 * Text of an error for a person using the app: the contract's messages are also
 * read by programs and CLI users, so two of their forms are said in the app's
 * terms here. A refused argument's "capture.run: " (the method's name) is
 * dropped; an image the library no longer holds (deleted here or from a
 * shell, while a view still showed it) is said so, not as the store's advice
 * on how to name an image on the command line.
 */
export function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  if (!(e instanceof ApiCallError)) return e.message;
  if (e.code === 'not-found' && /^no image "[^"]*" in the library \(give an id/.test(e.message))
    return 'This image is no longer in the library: it was deleted. Choose another one.';
  const prefix = /^([a-z]+\.[A-Za-z]+): /.exec(e.message);
  if (prefix && (METHOD_LIST as readonly string[]).includes(prefix[1]!)) return e.message.slice(prefix[0].length);
  return e.message;
}
