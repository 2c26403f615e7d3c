/**
 * insideId: an id as the capture sees it, through a user namespace's
 * uid_map or gid_map text as the kernel shows it, to the id inside.
 */
import { describe, expect, it } from 'vitest';
import { insideId } from '../../src-main/sources/proc/proc-text.js';

const OVERFLOW = 65534;

describe('insideId', () => {
  it('maps through the line that covers the id, of several, and to the overflow id where none does', () => {
    const map = '         0       1000          1\n         1     100000      65536\n';
    expect(insideId(map, 1000, OVERFLOW)).toBe(0);
    expect(insideId(map, 100000, OVERFLOW)).toBe(1);
    expect(insideId(map, 100005, OVERFLOW)).toBe(6);
    expect(insideId(map, 1001, OVERFLOW)).toBe(OVERFLOW);
    expect(insideId(map, 999, OVERFLOW)).toBe(OVERFLOW);
  });
  it('takes both ends of a range, and not one past either', () => {
    const map = '0 100000 65536\n';
    expect(insideId(map, 100000, OVERFLOW)).toBe(0);
    expect(insideId(map, 165535, OVERFLOW)).toBe(65535);
    expect(insideId(map, 165536, OVERFLOW)).toBe(OVERFLOW);
    expect(insideId(map, 99999, OVERFLOW)).toBe(OVERFLOW);
  });
  it('a range to the end of u32 (the initial namespace, as a reader of another sees it)', () => {
    expect(insideId('0 0 4294967295\n', 4294967294, OVERFLOW)).toBe(4294967294);
    expect(insideId('0 0 4294967295\n', 0, OVERFLOW)).toBe(0);
    expect(insideId('4294967294 7 1\n', 7, OVERFLOW)).toBe(4294967294);
  });
  it("not visible where the capture's namespace does not see the whole map and no line it sees covers the id", () => {
    // An outside start the reader's namespace cannot name reads as 4294967295: a map still, and the id
    // (which the reader sees only as its overflow id) may be anything inside.
    expect(insideId('0 4294967295 4294967295\n', OVERFLOW, OVERFLOW)).toBe('not visible');
    expect(insideId('0 4294967295 1000\n1000 5000 10\n', OVERFLOW, OVERFLOW)).toBe('not visible');
    // A line it does see still answers for the ids it covers.
    expect(insideId('0 4294967295 1000\n1000 5000 10\n', 5003, OVERFLOW)).toBe(1003);
    // A bad line is still no map.
    expect(insideId('0 4294967295 1000\nx 1 1\n', OVERFLOW, OVERFLOW)).toBeNull();
  });
  it('an empty map (no map written yet): every id is the overflow id; the overflow given is the one used', () => {
    expect(insideId('', 100000, OVERFLOW)).toBe(OVERFLOW);
    expect(insideId('\n', 0, 4242)).toBe(4242);
  });
  it.each([
    ['a word', 'zero 100000 1\n'],
    ['two fields', '0 100000\n'],
    ['four fields', '0 100000 65536 1\n'],
    ['hex', '0x0 100000 1\n'],
    ['an exponent', '0 1e5 65536\n'],
    ['a sign', '-1 100000 1\n'],
    ['a plus sign', '+0 100000 1\n'],
    ['a fraction', '0 100000.5 1\n'],
    ['a field past u32', '0 4294967296 1\n'],
    ['a count of 0', '0 100000 0\n'],
    ['an inside range past u32', '4294967295 100000 2\n'],
    ['a bad line after the covering one', '0 100000 65536\n0 x 1\n'],
    ['bytes that are not text digits', '0 100000 \u0661\n'],
  ])('%s is not an id map: null', (_, map) => {
    expect(insideId(map, 100005, OVERFLOW)).toBeNull();
  });
});
