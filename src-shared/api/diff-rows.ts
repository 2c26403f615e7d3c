/**
 * Turns the store's diff into the rows the Diff view shows side by side
 * (the backend builds them once per diff and serves them a page at a time,
 * filtered, through diff.view):
 * per changed process a header, then one row per fd that changed, marked
 * with every kind of change it carries. Sharing gained or lost lands on the
 * fd's row when that fd also changed otherwise, else on a row of its own.
 */
import type { BStrJson } from '../model/bstr.js';
import {
  SHARING_WITH_SHOWN,
  type DiffFd,
  type DiffResult,
  type DiffTask,
  type SharingChange,
  type TaskDiff,
  type U64Json,
} from '../store-types.js';

export const CHANGE_IDS = [
  'appeared',
  'vanished',
  'opened',
  'closed',
  'retargeted',
  'state',
  'flags',
  'moved',
  'cloexec',
  'deleted',
  'shared',
  'unshared',
] as const;
export type Change = (typeof CHANGE_IDS)[number];

/** What the Diff view and the diff report call each kind of change. */
export const CHANGES: { id: Change; label: string; short: string }[] = [
  { id: 'appeared', label: 'process appeared', short: '+proc' },
  { id: 'vanished', label: 'process gone', short: '−proc' },
  { id: 'opened', label: 'opened', short: 'opened' },
  { id: 'closed', label: 'closed', short: 'closed' },
  { id: 'retargeted', label: 'retargeted', short: 'target' },
  { id: 'state', label: 'state changed', short: 'state' },
  { id: 'flags', label: 'flags changed', short: 'flags' },
  { id: 'moved', label: 'position moved', short: 'moved' },
  { id: 'cloexec', label: 'close-on-exec', short: 'cloexec' },
  { id: 'deleted', label: 'unlinked', short: 'unlinked' },
  { id: 'shared', label: 'sharing gained', short: 'shared' },
  { id: 'unshared', label: 'sharing lost', short: 'unshared' },
];

/** What one side of a row shows. */
export type Side = Pick<DiffFd, 'fd' | 'kind' | 'target' | 'flagNames' | 'pos' | 'cloexec'>;

export type DiffRow =
  | { type: 'task'; comm: BStrJson; pidA: number; pidB: number; cmdline: string; fdsA: number; fdsB: number }
  | { type: 'process'; change: 'appeared' | 'vanished'; task: DiffTask }
  | {
      type: 'fd';
      pidA: number;
      pidB: number;
      before: Side | null;
      after: Side | null;
      changes: Change[];
      /** Fields that differ, to mark the cells: target, state (shown in the target cell), kind, flags, pos, cloexec, deleted. */
      fields: string[];
      kinds: string[];
      posDelta: U64Json | undefined;
      note: string;
    };

export type FdRow = DiffRow & { type: 'fd' };

export interface BuiltRows {
  rows: DiffRow[];
  counts: Record<Change, number>;
  kinds: string[];
}

/** The kind of change a changed field is marked with (the diff report names its rows by these too). */
export const FIELD_CHANGE: Record<string, Change> = {
  target: 'retargeted',
  kind: 'retargeted',
  state: 'state',
  flags: 'flags',
  pos: 'moved',
  cloexec: 'cloexec',
  deleted: 'deleted',
};

/** The other holders of a file whose sharing changed, as the view and the diff report say them: "200:4, 300:4". */
/** A sharing change's other holders, "500:3, 501:3", the first SHARING_WITH_SHOWN and a count: "500:3, ... 507:3 and 1992 more". */
export const withText = (s: Pick<SharingChange, 'with'>, sep = ', ') => {
  const listed = s.with
    .slice(0, SHARING_WITH_SHOWN)
    .map((x) => `${x.pid}:${x.fd}`)
    .join(sep);
  const more = s.with.length - SHARING_WITH_SHOWN;
  return more > 0 ? `${listed} and ${more} more` : listed;
};

/** Arrays shared by every row with the same content (a large diff repeats a handful of them 100,000 times); never mutated. */
class Shared<T> {
  private readonly m = new Map<string, T[]>();
  get(key: string, make: () => T[]): T[] {
    let v = this.m.get(key);
    if (!v) this.m.set(key, (v = make()));
    return v;
  }
}

/**
 * Builds the rows of one changed process at a time: its header, then its fd
 * rows, marked and ordered as the view shows them. Rows with the same marks
 * share their arrays.
 */
export class TaskRows {
  private readonly sharedChanges = new Shared<Change>();
  private readonly sharedFields = new Shared<string>();
  private readonly sharedKinds = new Shared<string>();

  private kindsOf(a: string, b: string): string[] {
    return a === b ? this.sharedKinds.get(a, () => [a]) : this.sharedKinds.get(`${a}\0${b}`, () => [a, b]);
  }

  header(t: Pick<TaskDiff, 'before' | 'after'>): DiffRow {
    return {
      type: 'task',
      comm: t.after.comm,
      pidA: t.before.pid,
      pidB: t.after.pid,
      cmdline: t.after.cmdline,
      fdsA: t.before.fdCount,
      fdsB: t.after.fdCount,
    };
  }

  /** The process's fd rows, by fd number, a closed fd before the one opened in its place. */
  fds(t: TaskDiff): FdRow[] {
    // Only sharing changes look rows up by fd: the map is built when a process has some.
    let byFd: Map<number, FdRow> | null = null;
    const fdRows: FdRow[] = [];
    const pidA = t.before.pid;
    const pidB = t.after.pid;
    // One object shape for every fd row (no spreads): 100,000 of them are built per large diff.
    const add = (
      before: Side | null,
      after: Side | null,
      changes: Change[],
      fields: string[],
      kinds: string[],
      posDelta: U64Json | undefined,
    ) => {
      const r: FdRow = { type: 'fd', pidA, pidB, before, after, changes, fields, kinds, posDelta, note: '' };
      fdRows.push(r);
      byFd?.set((after ?? before)!.fd, r);
    };
    const none = this.sharedFields.get('', () => []);
    const opened = this.sharedChanges.get('opened', () => ['opened']);
    const closed = this.sharedChanges.get('closed', () => ['closed']);
    for (const f of t.opened) add(null, f, opened, none, this.kindsOf(f.kind, f.kind), undefined);
    for (const f of t.closed) add(f, null, closed, none, this.kindsOf(f.kind, f.kind), undefined);
    for (const c of t.changed) {
      let key = '';
      for (const x of c.changes) key += x.field + ',';
      const fields = this.sharedFields.get(key, () => c.changes.map((x) => x.field));
      const changes = this.sharedChanges.get(key, () => {
        const out: Change[] = [];
        for (const f of fields) {
          const ch = FIELD_CHANGE[f];
          if (ch && !out.includes(ch)) out.push(ch);
        }
        return out;
      });
      add(c.before, c.after, changes, fields, this.kindsOf(c.before.kind, c.after.kind), c.posDelta);
      // The target reads the same on both sides: the note says what moved.
      const state = c.changes.find((x) => x.field === 'state');
      if (state) fdRows[fdRows.length - 1]!.note = `${state.before} → ${state.after}`;
    }
    const sharing = (list: SharingChange[], change: 'shared' | 'unshared') => {
      for (const s of list) {
        if (!byFd) {
          byFd = new Map();
          for (const x of fdRows) byFd.set((x.after ?? x.before)!.fd, x);
        }
        const r = byFd.get(s.fd);
        const note = `${change === 'shared' ? 'now shared with' : 'no longer shared with'} ${withText(s)}`;
        if (r) {
          r.changes = [...r.changes, change];
          r.note = r.note ? `${r.note}; ${note}` : note;
        } else {
          // Nothing but the sharing changed: both sides are the fd as it is.
          const side: Side = { fd: s.fd, kind: s.kind, target: s.target, flagNames: s.flagNames, pos: s.pos, cloexec: s.cloexec };
          add(side, side, [change], none, this.kindsOf(s.kind, s.kind), undefined);
          fdRows[fdRows.length - 1]!.note = note;
        }
      }
    };
    sharing(t.sharingStarted, 'shared');
    sharing(t.sharingEnded, 'unshared');
    fdRows.sort((x, y) => fdRowOrder(x) - fdRowOrder(y));
    return fdRows;
  }
}

/** Where an fd row sorts within its process: by fd number, a closed fd before the one opened in its place. */
const fdRowOrder = (r: FdRow) => (r.after ?? r.before)!.fd * 2 + (r.after ? 1 : 0);

export function diffRows(d: DiffResult): BuiltRows {
  const counts = Object.fromEntries(CHANGE_IDS.map((c) => [c, 0])) as Record<Change, number>;
  const kinds = new Set<string>();
  const rows: DiffRow[] = [];
  for (const t of d.appeared) rows.push({ type: 'process', change: 'appeared', task: t });
  for (const t of d.vanished) rows.push({ type: 'process', change: 'vanished', task: t });
  counts.appeared = d.appeared.length;
  counts.vanished = d.vanished.length;
  const make = new TaskRows();
  for (const t of d.tasks) {
    rows.push(make.header(t));
    for (const r of make.fds(t)) {
      for (const c of r.changes) counts[c]++;
      for (const k of r.kinds) if (k) kinds.add(k);
      rows.push(r);
    }
  }
  return { rows, counts, kinds: [...kinds].sort() };
}

/** What a filter reads of row `i`, so that rows not built yet can be filtered too (the backend's lazy pages). */
export interface RowFacts {
  /** A process header ('task'), a process appeared or gone (its change), or an fd row (null). */
  head(i: number): 'task' | 'appeared' | 'vanished' | null;
  /** An fd row's kinds of change, as bits (changeBit); 0 for an unchanged row (whole tables). */
  bits(i: number): number;
  /** Whether an fd row is of this kind of file (before or after). */
  hasKind(i: number, kind: string): boolean;
}

export const changeBit = (c: Change): number => 1 << CHANGE_IDS.indexOf(c);

/**
 * The rows a filter keeps, as indexes: fd rows carrying one of the kinds of
 * change and (when given) of the kind of file, process rows of a kept kind,
 * and each process header once, before its first kept row.
 */
export function keptRows(n: number, row: RowFacts, changes: ReadonlySet<Change> | null, kind: string | null): number[] {
  let want = 0;
  for (const c of changes ?? []) want |= changeBit(c);
  const out: number[] = [];
  let header = -1;
  for (let i = 0; i < n; i++) {
    const head = row.head(i);
    if (head === 'task') {
      header = i;
      continue;
    }
    if (head === null) {
      // Unchanged rows (whole tables) are context: only the kind of file filters them.
      const bits = row.bits(i);
      if (changes && bits && !(bits & want)) continue;
      if (kind && !row.hasKind(i, kind)) continue;
    } else if ((changes && !changes.has(head)) || kind) continue;
    if (header >= 0) {
      out.push(header);
      header = -1;
    }
    out.push(i);
  }
  return out;
}

/** What a filter reads of rows built. */
export function rowFacts(rows: readonly DiffRow[]): RowFacts {
  return {
    head: (i) => {
      const r = rows[i]!;
      return r.type === 'task' ? 'task' : r.type === 'process' ? r.change : null;
    },
    bits: (i) => {
      let b = 0;
      for (const c of (rows[i] as FdRow).changes) b |= changeBit(c);
      return b;
    },
    hasKind: (i, k) => (rows[i] as FdRow).kinds.includes(k),
  };
}

/** The rows a filter keeps (keptRows) of rows built. */
export function filterDiffRows(rows: readonly DiffRow[], changes: ReadonlySet<Change> | null, kind: string | null): DiffRow[] {
  if (!changes && !kind) return rows as DiffRow[];
  return keptRows(rows.length, rowFacts(rows), changes, kind).map((i) => rows[i]!);
}

/**
 * The rows with each changed process's whole fd tables: between its changed
 * rows, every fd both images hold unchanged, as a row with no change. `table`
 * gives a process's full fd list in an image (A for pidA, B for pidB).
 */
export function withWholeTables(rows: readonly DiffRow[], table: (side: 'a' | 'b', pid: number) => Side[]): DiffRow[] {
  const out: DiffRow[] = [];
  let i = 0;
  while (i < rows.length) {
    const h = rows[i]!;
    out.push(h);
    i++;
    if (h.type !== 'task') continue;
    const changed = new Map<number, FdRow[]>();
    while (i < rows.length && rows[i]!.type === 'fd') {
      const r = rows[i] as FdRow;
      const fd = (r.after ?? r.before)!.fd;
      const list = changed.get(fd);
      if (list) list.push(r);
      else changed.set(fd, [r]);
      i++;
    }
    const before = new Map(table('a', h.pidA).map((s) => [s.fd, s]));
    const after = table('b', h.pidB);
    const fds = new Set<number>([...before.keys(), ...after.map((s) => s.fd), ...changed.keys()]);
    const afterBy = new Map(after.map((s) => [s.fd, s]));
    for (const fd of [...fds].sort((x, y) => x - y)) {
      const c = changed.get(fd);
      if (c) {
        out.push(...c);
        continue;
      }
      const a = before.get(fd) ?? null;
      const b = afterBy.get(fd) ?? null;
      const kinds = [...new Set([a?.kind, b?.kind].filter((k): k is string => !!k))];
      out.push({
        type: 'fd',
        pidA: h.pidA,
        pidB: h.pidB,
        before: a,
        after: b,
        changes: [],
        fields: [],
        kinds,
        posDelta: undefined,
        note: '',
      });
    }
  }
  return out;
}
