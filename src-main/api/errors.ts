/**
 * Turns whatever a handler threw into the contract's error shape. Errors a
 * caller can cause (a bad image, an unknown id, a bad query) keep their
 * message; anything else is "internal" and logged, so the backend stays up
 * and the UI still gets one line to show.
 */
import { ApiError, type ApiErrorShape } from '../../src-shared/api/contract.js';

interface Named {
  name?: string;
  message?: string;
  code?: unknown;
  offset?: unknown;
  recordIndex?: unknown;
  start?: unknown;
  end?: unknown;
  token?: unknown;
}

export function toApiError(e: unknown, log: (s: string) => void = (s) => console.error(s)): ApiErrorShape {
  if (e instanceof ApiError) return e.toJSON();
  const x = (e ?? {}) as Named;
  const message = typeof x.message === 'string' ? x.message : String(e);
  switch (x.name) {
    case 'ImageError':
      return { code: 'image-error', message, details: { code: String(x.code), offset: Number(x.offset), record: Number(x.recordIndex) } };
    case 'StoreError':
      if (x.code === 'not-found' || x.code === 'ambiguous-id') return { code: 'not-found', message };
      if (x.code === 'bad-argument') return { code: 'bad-argument', message };
      if (x.code === 'bad-image') return { code: 'image-error', message };
      return { code: 'store-error', message, details: { code: String(x.code) } };
    case 'QueryError':
      return {
        code: 'bad-argument',
        message,
        details: { code: String(x.code), start: Number(x.start ?? 0), end: Number(x.end ?? 0), token: String(x.token ?? '') },
      };
    case 'SimError':
      return { code: 'bad-argument', message };
    case 'ModelError':
      return { code: 'image-error', message };
    case 'CaptureError':
      return { code: 'capture-error', message };
  }
  if (typeof x.code === 'string' && /^E[A-Z]+$/.test(x.code)) return { code: 'store-error', message };
  log(`ckpt api: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return { code: 'internal', message: `internal error: ${message}` };
}
