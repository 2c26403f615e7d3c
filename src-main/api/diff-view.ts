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
import {
  CHANGE_IDS,
  diffRows,
  filterDiffRows,
  withWholeTables,
  type BuiltRows,
  type Change,
  type DiffRow,
  type Side,
} from '../../src-shared/api/diff-rows.js';
import type { OpenedImage } from './opened-image.js';
import type { Store } from '../store/index.js';

interface Kept {
  key: string;
  result: DiffResult;
  built: BuiltRows;
  /** The rows with whole tables, built the first time they are asked for. */
  whole?: DiffRow[];
  filter: string;
  filtered: DiffRow[];
}

const KEEP = 2;

export class DiffCache {
  private kept: Kept[] = [];

  /** `open` gives an image decoded (the inspector's cache), for whole tables. */
  view(store: Store, args: ParsedArgs<'diff.view'>, open: (id: string) => OpenedImage): DiffView {
    const a = store.getImage(args.a).id;
    const b = store.getImage(args.b).id;
    const matching: DiffMatching | undefined = args.matching;
    const key = `${a}|${b}|${matching ?? ''}`;
    let k = this.kept.find((x) => x.key === key);
    if (!k) {
      const result = store.diff(a, b, matching ? { matching } : {});
      const built = diffRows(result);
      k = { key, result, built, filter: '', filtered: built.rows };
      this.kept = [k, ...this.kept].slice(0, KEEP);
    }
    const changes = args.changes && args.changes.length < CHANGE_IDS.length ? new Set<Change>(args.changes) : null;
    const filter = `${changes ? [...changes].sort().join(',') : '*'}|${args.kind ?? ''}|${args.whole ? 'whole' : ''}`;
    if (k.filter !== filter) {
      const base = args.whole ? (k.whole ??= withWholeTables(k.built.rows, tableOf(open(a), open(b)))) : k.built.rows;
      k.filtered = filterDiffRows(base, changes, args.kind ?? null);
      k.filter = filter;
    }
    const r = k.result;
    return {
      a: r.a,
      b: r.b,
      matching: r.matching,
      summary: r.summary,
      tables: r.tables,
      limits: r.limits,
      elapsedMs: r.elapsedMs,
      counts: k.built.counts,
      kinds: k.built.kinds,
      unfiltered: args.whole ? k.whole!.length : k.built.rows.length,
      total: k.filtered.length,
      offset: args.offset,
      rows: k.filtered.slice(args.offset, args.offset + args.limit),
    };
  }

  /** Another process changed the library: nothing kept may be trusted. */
  clear(): void {
    this.kept = [];
  }

  /** An image was deleted or relabelled: a kept diff must not outlive it or show its old summary (label, tags, note). */
  forget(id: string): void {
    this.kept = this.kept.filter((k) => !k.key.includes(id));
  }
}

/** A process's whole fd table in image A or B, as the diff's sides show fds. */
function tableOf(a: OpenedImage, b: OpenedImage): (side: 'a' | 'b', pid: number) => Side[] {
  const tables = new Map<OpenedImage, Map<number, number>>();
  const tableFor = (img: OpenedImage, pid: number): number | undefined => {
    let m = tables.get(img);
    if (!m) tables.set(img, (m = new Map(img.snap.tasks.map((t) => [t.pid, t.fdTable]))));
    return m.get(pid);
  };
  return (side, pid) => {
    const img = side === 'a' ? a : b;
    const t = tableFor(img, pid);
    if (!t) return [];
    const page = img.fds(t, 0, Number.MAX_SAFE_INTEGER);
    return page.rows.map((r) => ({
      fd: r.fd,
      kind: r.kind,
      target: r.target,
      flagNames: r.flagNames.join('|'),
      pos: r.pos,
      cloexec: r.cloexec,
    }));
  };
}
