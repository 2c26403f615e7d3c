/**
 * The grouping algorithm behind sharing, driven by a kernel stand-in that
 * answers kcmp from known object identities (the real kcmp is exercised by
 * the capture tests): partitions, call counts, vanished members, refusals.
 */
import { describe, expect, it } from 'vitest';
import { groupByKernel, numberBuckets, partitionByKernel, type Kcmp } from '../../src-main/sources/proc/sharing.js';
import { KCMP_FILE } from '../../src-main/sources/proc/native.js';

interface Item {
  pid: number;
  fd: number;
  /** The kernel object behind the fd. */
  obj: number;
  key: string;
  dead?: boolean;
}

function kernel(items: Item[], refuse?: string): Kcmp {
  const at = (pid: number, fd: number) => items.find((i) => i.pid === pid && i.fd === fd)!;
  return (p1, p2, _t, i1, i2) => {
    if (refuse) return refuse;
    const a = at(p1, i1);
    const b = at(p2, i2);
    if (a.dead || b.dead) return a.dead && p1 !== p2 ? 'ESRCH' : 'EBADF';
    return a.obj === b.obj ? 0 : a.obj < b.obj ? 1 : 2;
  };
}

const run = (items: Item[], k: Kcmp | null) =>
  groupByKernel(
    items,
    (i) => i.key,
    (i) => ({ pid: i.pid, idx: i.fd }),
    KCMP_FILE,
    k,
    (i) => `guess:${i.obj}`,
  );

const objs = (g: Item[][]) => g.map((x) => x.map((i) => i.obj)).map((x) => [...new Set(x)]);

describe('groupByKernel', () => {
  it('groups by kernel object within a key, never across keys', () => {
    const items: Item[] = [
      { pid: 1, fd: 3, obj: 10, key: 'a' },
      { pid: 2, fd: 3, obj: 10, key: 'a' },
      { pid: 2, fd: 4, obj: 11, key: 'a' },
      { pid: 3, fd: 3, obj: 10, key: 'b' },
    ];
    const g = run(items, kernel(items));
    expect(g.groups.map((x) => x.map((i) => `${i.pid}:${i.fd}`).sort()).sort()).toEqual([['1:3', '2:3'], ['2:4'], ['3:3']]);
    expect(g.inferred.every((x) => !x)).toBe(true);
  });

  it('costs n-1 calls for one object inherited by n processes', () => {
    const items: Item[] = Array.from({ length: 100 }, (_, i) => ({ pid: 100 + i, fd: 0, obj: 7, key: 'k' }));
    const g = run(items, kernel(items));
    expect(g.groups).toHaveLength(1);
    expect(g.calls).toBe(99);
  });

  it('separates n distinct objects in O(n log n) calls', () => {
    const items: Item[] = Array.from({ length: 512 }, (_, i) => ({ pid: 1, fd: i, obj: (i * 7919) % 512, key: 'k' }));
    const g = run(items, kernel(items));
    expect(g.groups).toHaveLength(512);
    expect(g.calls).toBeLessThan(2 * 512 * 9);
  });

  it('sets vanished members aside and still proves the rest', () => {
    const items: Item[] = [
      { pid: 1, fd: 3, obj: 10, key: 'a' },
      { pid: 2, fd: 3, obj: 10, key: 'a', dead: true },
      { pid: 3, fd: 3, obj: 10, key: 'a' },
      { pid: 4, fd: 3, obj: 11, key: 'a' },
    ];
    const g = run(items, kernel(items));
    const proven = g.groups.filter((_, i) => !g.inferred[i]);
    expect(objs(proven).sort()).toEqual([[10], [11]]);
    expect(proven.find((x) => x[0]!.obj === 10)).toHaveLength(2);
    const inferred = g.groups.filter((_, i) => g.inferred[i]);
    expect(inferred).toEqual([[items[1]]]);
    expect(g.refusals.get('ESRCH')).toBe(1);
  });

  it('falls back to the inference key when kcmp refuses or is absent', () => {
    const items: Item[] = [
      { pid: 1, fd: 3, obj: 10, key: 'a' },
      { pid: 2, fd: 3, obj: 10, key: 'a' },
      { pid: 2, fd: 4, obj: 11, key: 'a' },
    ];
    for (const k of [kernel(items, 'EPERM'), null]) {
      const g = run(items, k);
      expect(objs(g.groups).sort()).toEqual([[10], [11]]);
      expect(g.inferred.every((x) => x)).toBe(true);
    }
    expect(run(items, kernel(items, 'EPERM')).refusals.get('EPERM')).toBe(1);
  });

  it("a bucket the addon's sort is refused for (EPERM) is inferred whole, as one asked a call at a time", () => {
    const items: Item[] = Array.from({ length: 100 }, (_, i) => ({ pid: 1 + (i % 5), fd: i, obj: i % 10, key: 'k' }));
    const k: Kcmp = Object.assign(kernel(items), {
      sort: (_t: number, _p: Int32Array, _i: Int32Array, _o: Int32Array, _s: Uint8Array, info: Int32Array) => {
        info.set([1, 0, 1]);
        return 1;
      },
    });
    const g = run(items, k);
    expect(g.inferred.every((x) => x)).toBe(true);
    expect(objs(g.groups).sort()).toEqual(Array.from({ length: 10 }, (_, i) => [i]).sort());
    expect(g.refusals.get('EPERM')).toBe(1);
  });

  it("a bucket whose members all vanish under the addon's sort has each set aside once", () => {
    const items: Item[] = Array.from({ length: 64 }, (_, i) => ({ pid: 1, fd: i, obj: i, key: 'k', dead: true }));
    // The sort fails at its first comparison, as the addon's does on a process gone: ESRCH and the two items.
    let sorts = 0;
    const k: Kcmp = Object.assign(kernel(items), {
      sort: (_t: number, _p: Int32Array, _i: Int32Array, _o: Int32Array, _s: Uint8Array, info: Int32Array) => {
        sorts++;
        info.set([3, 0, 1]);
        return 1;
      },
    });
    const g = run(items, k);
    // The process's other members are set aside with the two asked about: one sort, not one per two members.
    expect(sorts).toBe(1);
    expect(g.groups.flat()).toHaveLength(items.length);
    expect(new Set(g.groups.flat()).size).toBe(items.length);
    expect(g.inferred.every((x) => x)).toBe(true);
    expect(g.refusals.get('ESRCH')).toBe(items.length);
  });
});

describe("partitionByKernel with the BPF snapshot's open-file ids as prekey", () => {
  /** Items with `id`: an open-file id from the snapshot: one object, one id; one id, maybe two objects (a pointer reused). */
  const partition = (items: (Item & { id: number })[], k: Kcmp) => {
    const groups: Item[][] = [];
    const r = partitionByKernel(
      items,
      (i) => i.key,
      (i) => ({ pid: i.pid, idx: i.fd }),
      KCMP_FILE,
      k,
      (i) => `guess:${i.obj}`,
      { alone: (i) => groups.push([i]), group: (g) => groups.push(g) },
      (i) => i.id,
    );
    return { groups, calls: r.calls };
  };

  it('compares only fds with one id: n - 1 calls for a file inherited by n, none for separate opens of one inode', () => {
    // 100 fds of one inode: a file inherited by 50 processes (one object) and 50 separate opens.
    const items = Array.from({ length: 100 }, (_, i) => ({
      pid: 100 + (i % 50),
      fd: i < 50 ? 3 : 4,
      obj: i < 50 ? 1 : 100 + i,
      key: 'k',
      id: i < 50 ? 7 : 1000 + i,
    }));
    const g = partition(items, kernel(items));
    expect(g.calls).toBe(49);
    expect(g.groups).toHaveLength(51);
    expect(objs(g.groups).every((o) => o.length === 1)).toBe(true);
  });

  it('never compares fds of two ids, even of one share key: two files each inherited by 50 cost 2 x 49 calls', () => {
    const items = Array.from({ length: 100 }, (_, i) => ({
      pid: 100 + (i % 50),
      fd: i < 50 ? 3 : 4,
      obj: i < 50 ? 1 : 2,
      key: 'k',
      id: i < 50 ? 7 : 8,
    }));
    const g = partition(items, kernel(items));
    expect(g.calls).toBe(98);
    expect(objs(g.groups).sort()).toEqual([[1], [2]]);
  });

  it('splits fds that got one id from a pointer reused between two reads, as kcmp tells', () => {
    // Process 1's pipe end was closed after it was read and its struct file reused by another pipe end of the same inode.
    const items = [
      { pid: 1, fd: 3, obj: 10, key: 'p:1', id: 5 },
      { pid: 2, fd: 3, obj: 11, key: 'p:1', id: 5 },
      { pid: 3, fd: 4, obj: 11, key: 'p:1', id: 5 },
    ];
    const g = partition(items, kernel(items));
    expect(g.groups.map((x) => x.map((i) => `${i.pid}:${i.fd}`).sort()).sort()).toEqual([['1:3'], ['2:3', '3:4']]);
    expect(g.calls).toBeGreaterThan(0);
  });
});

describe('numberBuckets', () => {
  /** The same buckets through a Map: its order (first appearance), a bare item when alone. */
  const byMap = <T>(items: T[], key: (t: T) => number): (T | T[])[] => {
    const m = new Map<number, T[]>();
    for (const it of items) {
      const k = key(it);
      const l = m.get(k);
      if (l) l.push(it);
      else m.set(k, [it]);
    }
    return [...m.values()].map((l) => (l.length === 1 ? l[0]! : l));
  };

  it('buckets as a Map would, in the order keys first appear, for keys up to 2^53 and below zero', () => {
    let seed = 7;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    // Keys that collide in the low 32 bits, in the high ones, negative, and many alone.
    const pool = [0, -1, 1, 2 ** 32, 2 ** 32 + 1, 2 ** 52 + 3, Number.MAX_SAFE_INTEGER, 4242, 2 ** 31, -(2 ** 31)];
    const items = Array.from({ length: 5000 }, (_, i) => ({
      i,
      k: rand() < 0.3 ? pool[Math.floor(rand() * pool.length)]! : Math.floor(rand() * 2 ** 40),
    }));
    const got = numberBuckets(items, (t) => t.k);
    expect(got).toEqual(byMap(items, (t) => t.k));
    expect(got.filter(Array.isArray).length).toBeGreaterThanOrEqual(pool.length - 1);
  });

  it('buckets keys that end alike (multiples of 2^16, of 2^32) one to a bucket, as a Map would', () => {
    // (Its hash takes a product's top bits: with the low ones such keys
    // probed quadratically, ~400 ms for these 20,000; speed is the bench's.)
    for (const step of [2 ** 16, 2 ** 32]) {
      const items = Array.from({ length: 20000 }, (_, i) => i);
      expect(numberBuckets(items, (i) => i * step)).toEqual(items);
    }
  });

  it('gives nothing for nothing, and one list for one key', () => {
    expect(numberBuckets([], () => 1)).toEqual([]);
    expect(numberBuckets([1, 2, 3], () => 9)).toEqual([[1, 2, 3]]);
    expect(numberBuckets([5], () => 9)).toEqual([5]);
  });
});
