/**
 * Typed errors of the library. Everything a caller can cause (an unknown id,
 * a bad argument, a query that does not parse) is a StoreError or QueryError
 * with a code, so the CLI prints one line and the app can show it in place.
 */
import type { QueryErrorInfo, StoreErrorCode, StoreErrorInfo } from '../../src-shared/store-types.js';
import { displayBStr } from '../../src-shared/model/index.js';

/**
 * Text a person gave (an image ref, a label, a tag, a file name), quoted for
 * an error message that reaches a terminal: control characters, newlines,
 * ESC, backslashes and bidi controls escaped by displayBStr (as names are
 * shown everywhere), and a double quote as \" so the quotes stay the text's.
 */
export function quoted(text: string): string {
  return `"${displayBStr(text).replace(/"/g, '\\"')}"`;
}

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
  toJSON(): StoreErrorInfo {
    return { name: 'StoreError', code: this.code, message: this.message };
  }
}

export class QueryError extends Error {
  override readonly name = 'QueryError';
  constructor(
    readonly code: QueryErrorInfo['code'],
    readonly detail: string,
    /** Offsets into the query string, end exclusive. */
    readonly start: number,
    readonly end: number,
    readonly token: string,
  ) {
    super(`${detail} (at ${start}${token ? `: "${token}"` : ''})`);
  }
  toJSON(): StoreErrorInfo {
    return { name: 'QueryError', code: this.code, message: this.detail, start: this.start, end: this.end, token: this.token };
  }
  info(): QueryErrorInfo {
    return { code: this.code, message: this.detail, start: this.start, end: this.end, token: this.token };
  }
}
