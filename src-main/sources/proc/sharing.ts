/**
 * Which fds share one open file, and which tasks one fd table: asked of the
 * kernel with kcmp, and only for candidates that could share (same share
 * key), so a capture makes few calls. kcmp orders objects stably, so a
 * candidate set is sorted with it as comparator and equal neighbours merge:
 * O(n log n) calls for n candidates. Where kcmp is refused or absent, the
 * grouping falls back to inference and says so.
 */
import { KCMP_FILE, KCMP_FILES, type KcmpResult } from './native.js';

export type Kcmp = (pid1: number, pid2: number, type: number, idx1: number, idx2: number) => KcmpResult;

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
 * Groups items that key together into kernel objects. `infer` gives the key
 * used when kcmp cannot answer for a bucket.
 */
export function groupByKernel<T>(
  items: T[],
  key: (t: T) => string,
  cand: (t: T) => Candidate,
  type: typeof KCMP_FILE | typeof KCMP_FILES,
  kcmp: Kcmp | null,
  infer: (t: T) => string,
): Grouping<T> {
  const buckets = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const b = buckets.get(k);
    if (b) b.push(it);
    else buckets.set(k, [it]);
  }
  const out: Grouping<T> = { groups: [], inferred: [], refusals: new Map(), calls: 0 };
  const ask = (a: T, b: T): KcmpResult => {
    const ca = cand(a);
    const cb = cand(b);
    out.calls++;
    return kcmp!(ca.pid, cb.pid, type, ca.idx, cb.idx);
  };
  for (const bucket of buckets.values()) {
    if (bucket.length === 1) {
      out.groups.push(bucket);
      out.inferred.push(false);
      continue;
    }
    let refused: string | undefined = kcmp ? undefined : 'ENOSYS';
    let sorted = bucket;
    const eq: boolean[] = [];
    if (!refused && bucket.length === 2) {
      const r = ask(bucket[0]!, bucket[1]!);
      if (typeof r === 'string') refused = r;
      else eq.push(r === 0);
    } else if (!refused) {
      sorted = bucket.slice().sort((a, b) => {
        if (refused) return 0;
        const r = ask(a, b);
        if (typeof r === 'string') {
          refused = r;
          return 0;
        }
        return r === 0 ? 0 : r === 1 ? -1 : 1;
      });
      for (let i = 0; !refused && i + 1 < sorted.length; i++) {
        const r = ask(sorted[i]!, sorted[i + 1]!);
        if (typeof r === 'string') refused = r;
        else eq.push(r === 0);
      }
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
      for (const g of sub.values()) {
        out.groups.push(g);
        out.inferred.push(true);
      }
      continue;
    }
    let cur: T[] = [sorted[0]!];
    for (let i = 1; i < sorted.length; i++) {
      if (eq[i - 1]) cur.push(sorted[i]!);
      else {
        out.groups.push(cur);
        out.inferred.push(false);
        cur = [sorted[i]!];
      }
    }
    out.groups.push(cur);
    out.inferred.push(false);
  }
  return out;
}
