import { expect } from 'vitest';
import { parseQuery } from '../../src-main/query/parse.js';
import { QueryError } from '../../src-main/store/index.js';

/** The QueryError `q` is refused with; a query that parses fails the test. */
export function queryError(q: string): QueryError {
  try {
    parseQuery(q);
  } catch (e) {
    expect(e).toBeInstanceOf(QueryError);
    return e as QueryError;
  }
  throw new Error(`${q} parsed`);
}
