/**
 * Which fds share one open file, and which tasks one fd table: asked of the
 * kernel with kcmp, and only for candidates that could share (same share
 * key), so a capture makes few calls. kcmp orders objects stably, so a
 * candidate set is partitioned around pivots like a three-way quicksort. Where kcmp is refused or absent, the
 * grouping falls back to inference and says so.
 */
import { KCMP_FILE, KCMP_FILES, errnoName, type KcmpResult, type KcmpSort } from './native.js';

export type Kcmp = {
  (pid1: number, pid2: number, type: number, idx1: number, idx2: number): KcmpResult;
  /**
   * A whole bucket sorted by kcmp in one call (the addon's): a process that
   * leaked 20,000 opens of one file makes a bucket of 20,000 all-different
   * open files, about n log2 n comparisons, which cost as much again in
   * JavaScript calls as in the kernel.
   */
  sort?: KcmpSort;
};

/** Buckets smaller than this are partitioned here, a call per comparison: the sort's arrays would cost more. */
const SORT_FROM = 64;

export interface Candidate {
  /** A task that holds the fd (or uses the table): kcmp is asked about it. */
  pid: number;
  /** fd number for KCMP_FILE, 0 for KCMP_FILES. */
  idx: number;
}

export interface Grouping<T> {
  groups: T[][];
  /** Per group: membership was inferred, not proven. */
  inferred: boolean[];
  /** errno names kcmp answered with instead of a comparison. */
  refusals: Map<string, number>;
  calls: number;
}

/**
 * What both groupings take: the items, the key that makes them candidates
 * for one kernel object, each one's (pid, index) for kcmp, which object
 * kcmp compares, kcmp itself (null: not allowed), and the key inferred
 * from when kcmp cannot answer.
 */
type KernelQuestion<T> = [
  items: T[],
  key: (t: T) => string,
  cand: (t: T) => Candidate,
  type: typeof KCMP_FILE | typeof KCMP_FILES,
  kcmp: Kcmp | null,
  infer: (t: T) => string,
];

/** Where partitionByKernel hands its groups; each item lands in exactly one. */
export interface GroupSink<T> {
  /** An item no other shares a key with: its own object, nothing to prove. */
  alone(item: T): void;
  group(members: T[], inferred: boolean): void;
}

/**
 * Groups items that key together into kernel objects. `infer` gives the key
 * used when kcmp cannot answer for a bucket.
 */
export function groupByKernel<T extends object | number>(...what: KernelQuestion<T>): Grouping<T> {
  const groups: T[][] = [];
  const inferred: boolean[] = [];
  const r = partitionByKernel(...what, {
    alone: (it) => {
      groups.push([it]);
      inferred.push(false);
    },
    group: (g, inf) => {
      groups.push(g);
      inferred.push(inf);
    },
  });
  return { groups, inferred, refusals: r.refusals, calls: r.calls };
}

/** Items by key; most keys have one item: it stays bare, a list is made only on a second. */
function bucketize<T, K>(items: T[], key: (t: T) => K, into: Map<K, T | T[]>): void {
  // Indexed: until compiled, for-of allocates per step (engine/writer.ts).
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    const k = key(it);
    const b = into.get(k);
    if (b === undefined) into.set(k, it);
    else if (Array.isArray(b)) b.push(it);
    else into.set(k, [b, it]);
  }
}

/**
 * Items by a number key, in the order each key first appears (a Map's
 * order): an item alone on its key stays bare, the others come as lists.
 * An open-addressing table over typed arrays, not a Map: a capture of
 * 30,000 fds has nearly as many keys, and a Map that grows to that size
 * rehashes into new tables on the main thread, the capture's bound. What
 * it saves is small: the whole grouping phase went 50.8 -> 49.5 ms
 * (with fillEntries, build.ts). The insertion loop runs in chunks, so
 * that it is compiled (no on-stack replacement in a capture: bin/ckpt.mjs).
 */
export function numberBuckets<T>(items: T[], key: (t: T) => number): (T | T[])[] {
  const n = items.length;
  let cap = 16;
  let bits = 4;
  while (cap < n * 2) {
    cap *= 2;
    bits++;
  }
  const t: NumberTable = {
    mask: cap - 1,
    shift: 32 - bits,
    keys: new Float64Array(cap),
    head: new Int32Array(cap).fill(-1),
    tail: new Int32Array(cap),
    count: new Int32Array(cap),
    next: new Int32Array(n).fill(-1),
    order: new Int32Array(n),
    slots: 0,
  };
  for (let from = 0; from < n; from += 1024) insertNumbers(t, items, key, from, Math.min(n, from + 1024));
  const out: (T | T[])[] = new Array(t.slots);
  for (let j = 0; j < t.slots; j++) {
    const s = t.order[j]!;
    const c = t.count[s]!;
    if (c === 1) {
      out[j] = items[t.head[s]!]!;
      continue;
    }
    const list: T[] = new Array(c);
    for (let i = t.head[s]!, m = 0; i !== -1; i = t.next[i]!) list[m++] = items[i]!;
    out[j] = list;
  }
  return out;
}

interface NumberTable {
  mask: number;
  /** 32 - log2(slots): a multiplicative hash's slot is its top bits. */
  shift: number;
  /** Per slot: its key, first and last item, and how many items. */
  keys: Float64Array;
  head: Int32Array;
  tail: Int32Array;
  count: Int32Array;
  /** Per item: the next item of its key, -1 after the last. */
  next: Int32Array;
  /** The slots used, in the order their keys first appeared. */
  order: Int32Array;
  slots: number;
}

function insertNumbers<T>(t: NumberTable, items: T[], key: (t: T) => number, from: number, to: number): void {
  const { mask, shift, keys, head, tail, count, next } = t;
  for (let i = from; i < to; i++) {
    const k = key(items[i]!);
    // Keys are integers up to 2^53 (open-file ids, inode numbers, -1): both
    // halves count, and the product's top bits, which every bit of the key
    // moves (its low bits would not tell keys apart that end alike: i * 2^16).
    let s = Math.imul((k | 0) ^ ((k / 4294967296) | 0), 0x9e3779b1) >>> shift;
    while (head[s] !== -1 && keys[s] !== k) s = (s + 1) & mask;
    if (head[s] === -1) {
      head[s] = i;
      tail[s] = i;
      keys[s] = k;
      count[s] = 1;
      t.order[t.slots++] = s;
    } else {
      next[tail[s]!] = i;
      tail[s] = i;
      count[s]!++;
    }
  }
}

/**
 * groupByKernel without the list of lists: a capture of 30,000 fds has
 * nearly as many open files, most alone on their key, and an array for
 * each is garbage the collector then copies.
 *
 * `prekey`, when given, must be equal for items of one kernel object (an
 * inode number, say, or the BPF snapshot's open-file id): items are
 * bucketed by it first, and only those that share one are bucketed by
 * their string keys, so most items never have their key hashed (hashing
 * 30,000 strings costs more than 30,000 numbers); items it sets apart are
 * never compared.
 */
export function partitionByKernel<T extends object | number>(
  ...[items, key, cand, type, kcmp, infer, sink, prekey]: [...KernelQuestion<T>, sink: GroupSink<T>, prekey?: (t: T) => number]
): Pick<Grouping<T>, 'refusals' | 'calls'> {
  // Candidate sets: items of one key, within one prekey.
  const buckets: (T | T[])[] = [];
  const byKey = new Map<string, T | T[]>();
  if (prekey) {
    for (const b of numberBuckets(items, prekey)) {
      if (!Array.isArray(b)) {
        sink.alone(b);
        continue;
      }
      byKey.clear();
      bucketize(b, key, byKey);
      for (const k of byKey.values()) buckets.push(k);
    }
  } else {
    bucketize(items, key, byKey);
    for (const k of byKey.values()) buckets.push(k);
  }
  const out = { refusals: new Map<string, number>(), calls: 0 };
  const ask = (a: T, b: T): KcmpResult => {
    const ca = cand(a);
    const cb = cand(b);
    out.calls++;
    return kcmp!(ca.pid, cb.pid, type, ca.idx, cb.idx);
  };
  /** Whether the item's process and fd still exist: kcmp of it with itself. */
  const alive = (t: T): boolean => {
    const c = cand(t);
    out.calls++;
    return kcmp!(c.pid, c.pid, type, c.idx, c.idx) === 0;
  };
  const sorted = kcmp?.sort;
  for (const b of buckets) {
    if (!Array.isArray(b)) {
      sink.alone(b);
      continue;
    }
    const bucket = b;
    let refused: string | undefined = kcmp ? undefined : 'ENOSYS';
    const found: T[][] = [];
    // Members whose process or fd vanished during the capture (ESRCH,
    // EBADF): set aside, so the rest of the bucket is still proven.
    const gone: T[] = [];
    // Sorted by the addon, or else (a small bucket, no addon) partitioned here: never both,
    // also where the sort found no group (every member vanished, each already in `gone`).
    const bySort = sorted !== undefined && bucket.length >= SORT_FROM;
    if (bySort) {
      const r = sortBucket(bucket, cand, type, sorted, alive, gone);
      out.calls += r.calls;
      if (typeof r.groups === 'string') refused = r.groups;
      else found.push(...r.groups);
    }
    // Three-way quicksort on kcmp's order: a bucket that is mostly one open
    // file (an fd inherited by a hundred children) costs n-1 calls, one of
    // all-different files about 1.4 n log2 n.
    const stack: T[][] = bySort ? [] : [bucket];
    let seed = 0x9e3779b9 ^ bucket.length;
    while (!refused && stack.length) {
      const part = stack.pop()!;
      if (part.length === 1) {
        found.push(part);
        continue;
      }
      // A pseudo-random pivot: expected 1.39 n log2 n calls whatever the order.
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      const pivot = part[(seed >>> 0) % part.length]!;
      const lt: T[] = [];
      const eq: T[] = [pivot];
      const gt: T[] = [];
      let pivotGone = false;
      for (const it of part) {
        if (it === pivot) continue;
        const r = ask(it, pivot);
        if (typeof r === 'string') {
          if (r === 'ESRCH' || r === 'EBADF') {
            if (!alive(it)) {
              gone.push(it);
              continue;
            }
            if (!alive(pivot)) {
              pivotGone = true;
              break;
            }
          }
          refused = r;
          break;
        }
        (r === 0 ? eq : r === 1 ? lt : gt).push(it);
      }
      if (pivotGone) {
        gone.push(pivot);
        const rest = part.filter((x) => x !== pivot && !gone.includes(x));
        if (rest.length) stack.push(rest);
        continue;
      }
      found.push(eq);
      if (lt.length) stack.push(lt);
      if (gt.length) stack.push(gt);
    }
    if (!refused && gone.length) {
      out.refusals.set('ESRCH', (out.refusals.get('ESRCH') ?? 0) + gone.length);
      for (const g of gone) sink.group([g], true);
    }
    if (refused) {
      out.refusals.set(refused, (out.refusals.get(refused) ?? 0) + 1);
      const sub = new Map<string, T[]>();
      for (const it of bucket) {
        const k = infer(it);
        const g = sub.get(k);
        if (g) g.push(it);
        else sub.set(k, [it]);
      }
      for (const g of sub.values()) sink.group(g, true);
      continue;
    }
    for (const g of found) sink.group(g, false);
  }
  return out;
}

/**
 * A bucket sorted by the addon's kcmpSort into its kernel objects. A member
 * whose process or fd is gone (ESRCH, EBADF) is set aside into `gone` and
 * the rest sorted again; any other refusal is returned as its errno name,
 * for the bucket to be inferred. `bucket`: the members that were sorted.
 */
function sortBucket<T extends object | number>(
  bucket: T[],
  cand: (t: T) => Candidate,
  type: number,
  sort: KcmpSort,
  alive: (t: T) => boolean,
  gone: T[],
): { groups: T[][] | string; calls: number } {
  let calls = 0;
  const info = new Int32Array(3);
  for (;;) {
    const n = bucket.length;
    const pids = new Int32Array(n);
    const idxs = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = cand(bucket[i]!);
      pids[i] = c.pid;
      idxs[i] = c.idx;
    }
    const order = new Int32Array(n);
    const same = new Uint8Array(n);
    calls += sort(type, pids, idxs, order, same, info);
    if (info[0] === 0) {
      const groups: T[][] = [];
      for (let i = 0; i < n; i++) {
        const it = bucket[order[i]!]!;
        if (same[i]) groups[groups.length - 1]!.push(it);
        else groups.push([it]);
      }
      return { groups, calls };
    }
    const err = errnoName(info[0]!);
    if (err !== 'ESRCH' && err !== 'EBADF') return { groups: err, calls };
    // alive() counts its own calls.
    const asked = [...new Set([bucket[info[1]!]!, bucket[info[2]!]!])].filter((t) => !alive(t));
    if (!asked.length) return { groups: err, calls };
    // A process gone takes all its fds: its other members are set aside now, each checked
    // once, not two at a time at the cost of a sort each (a leak of 20,000 fds: 10,000 sorts).
    const pidsGone = new Set(err === 'ESRCH' ? asked.map((t) => cand(t).pid) : []);
    const kept: T[] = [];
    for (const t of bucket) {
      if (asked.includes(t) || (pidsGone.has(cand(t).pid) && !alive(t))) gone.push(t);
      else kept.push(t);
    }
    bucket = kept;
    if (bucket.length < 2) return { groups: bucket.map((t) => [t]), calls };
  }
}
