import { describe, expect, it } from 'vitest';
import { otherHolders } from '../../src-shared/model/other-holders.js';

const list = (n: number, pid = 7) => Array.from({ length: n }, (_, i) => ({ pid, fd: 3 + i }));

describe('otherHolders', () => {
  it('leaves out the fd asked from, wherever it is in the list', () => {
    const l = list(6);
    expect(otherHolders(l, 7, 3, 4)).toEqual({ shown: [l[1], l[2], l[3], l[4]], total: 5 });
    expect(otherHolders(l, 7, 5, 4)).toEqual({ shown: [l[0], l[1], l[3], l[4]], total: 5 });
    expect(otherHolders(l, 7, 8, 4)).toEqual({ shown: [l[0], l[1], l[2], l[3]], total: 5 });
  });

  it('counts all of a long list, the fd asked from left out only when it holds the file', () => {
    const l = list(20_000);
    const far = otherHolders(l, 7, 19_000, 4);
    expect(far.shown.map((h) => h.fd)).toEqual([3, 4, 5, 6]);
    expect(far.total).toBe(19_999);
    // An fd of another process, or one not in the list: nobody left out.
    expect(otherHolders(l, 8, 19_000, 4).total).toBe(20_000);
    expect(otherHolders(l, 7, 2, 4).total).toBe(20_000);
  });

  it('a file held once has no others', () => {
    expect(otherHolders(list(1), 7, 3, 4)).toEqual({ shown: [], total: 0 });
  });
});
