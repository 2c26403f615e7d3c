/**
 * The Diff view's rows served a page at a time. A diff of two unrelated
 * 100,000-fd images lists every fd as changed: sent whole, that is tens of
 * megabytes of JSON to encode, carry and parse before anything shows. So
 * the backend keeps the last two diffs with their rows built
 * (src-shared/api/diff-rows.ts) and the last filter applied, and answers
 * each page from memory.
 */
import type { DiffMatching, DiffResult } from '../../src-shared/store-types.js';
import type { DiffView } from '../../src-shared/api/results.js';
import type { ParsedArgs } from '../../src-shared/api/contract.js';
import { CHANGE_IDS, diffRows, filterDiffRows, type BuiltRows, type Change, type DiffRow } from '../../src-shared/api/diff-rows.js';
import type { Store } from '../store/index.js';

interface Kept {
  key: string;
  result: DiffResult;
  built: BuiltRows;
  filter: string;
  filtered: DiffRow[];
}

const KEEP = 2;

export class DiffCache {
  private kept: Kept[] = [];

  view(store: Store, args: ParsedArgs<'diff.view'>): DiffView {
    const a = store.getImage(args.a).id;
    const b = store.getImage(args.b).id;
    const matching: DiffMatching | undefined = args.matching;
    const key = `${a}|${b}|${matching ?? ''}`;
    let k = this.kept.find((x) => x.key === key);
    let elapsedMs = 0;
    if (!k) {
      const result = store.diff(a, b, matching ? { matching } : {});
      elapsedMs = result.elapsedMs;
      const built = diffRows(result);
      k = { key, result, built, filter: '', filtered: built.rows };
      this.kept = [k, ...this.kept].slice(0, KEEP);
    }
    const changes = args.changes && args.changes.length < CHANGE_IDS.length ? new Set<Change>(args.changes) : null;
    const filter = `${changes ? [...changes].sort().join(',') : '*'}|${args.kind ?? ''}`;
    if (k.filter !== filter) {
      k.filtered = filterDiffRows(k.built.rows, changes, args.kind ?? null);
      k.filter = filter;
    }
    const r = k.result;
    return {
      a: r.a,
      b: r.b,
      matching: r.matching,
      summary: r.summary,
      tables: r.tables,
      elapsedMs,
      counts: k.built.counts,
      kinds: k.built.kinds,
      unfiltered: k.built.rows.length,
      total: k.filtered.length,
      offset: args.offset,
      rows: k.filtered.slice(args.offset, args.offset + args.limit),
    };
  }

  /** An image was deleted: a kept diff of it must not outlive it. */
  forget(id: string): void {
    this.kept = this.kept.filter((k) => !k.key.includes(id));
  }
}
