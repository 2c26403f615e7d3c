/**
 * The Diff view's rows served a page at a time. A diff of two unrelated
 * 100,000-fd images lists every fd as changed: sent whole, that is tens of
 * megabytes of JSON to encode, carry and parse before anything shows, and
 * built whole, most of the diff's time. So the backend keeps the last two
 * diffs with their rows' marks (diff-pages.ts) and the last filter applied,
 * and builds each page's rows when it is asked for.
 */
import type { DiffMatching } from '../../src-shared/store-types.js';
import type { DiffView } from '../../src-shared/api/results.js';
import type { ParsedArgs } from '../../src-shared/api/contract.js';
import { CHANGE_IDS, diffRows, keptRows, withWholeTables, type Change, type DiffRow, type Side } from '../../src-shared/api/diff-rows.js';
import type { LazyDiff } from '../query/diff-result.js';
import type { OpenedImage } from './opened-image.js';
import type { Store } from '../store/index.js';
import { DiffPages, builtRows, type RowSource } from './diff-pages.js';

interface Kept {
  key: string;
  result: LazyDiff;
  pages: DiffPages;
  /** The rows with whole tables, built (every process) the first time they are asked for. */
  whole?: DiffRow[];
  filter: string;
  /** The rows the last filter applied to, and the ones it kept (null: all). */
  source: RowSource;
  kept: number[] | null;
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
      const pages = new DiffPages(result);
      k = { key, result, pages, filter: '', source: pages, kept: null };
      this.kept = [k, ...this.kept].slice(0, KEEP);
    }
    const changes = args.changes && args.changes.length < CHANGE_IDS.length ? new Set<Change>(args.changes) : null;
    const filter = `${changes ? [...changes].sort().join(',') : '*'}|${args.kind ?? ''}|${args.whole ? 'whole' : ''}`;
    if (k.filter !== filter) {
      k.source = args.whole ? builtRows((k.whole ??= withWholeTables(diffRows(k.result).rows, tableOf(open(a), open(b))))) : k.pages;
      k.kept = changes || args.kind ? keptRows(k.source.length, k.source.facts, changes, args.kind ?? null) : null;
      k.filter = filter;
    }
    const r = k.result;
    const { source, kept } = k;
    const total = kept ? kept.length : source.length;
    const rows: DiffRow[] = [];
    for (let i = args.offset; i < Math.min(total, args.offset + args.limit); i++) rows.push(source.row(kept ? kept[i]! : i));
    return {
      a: r.a,
      b: r.b,
      matching: r.matching,
      summary: r.summary,
      tables: r.tables,
      limits: r.limits,
      elapsedMs: r.elapsedMs,
      counts: k.pages.counts,
      kinds: k.pages.kinds,
      unfiltered: source.length,
      total,
      offset: args.offset,
      rows,
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
