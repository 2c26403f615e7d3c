/**
 * Turns the store's diff into the rows the Diff view shows side by side
 * (the backend builds them once per diff and serves them a page at a time,
 * filtered, through diff.view):
 * per changed process a header, then one row per fd that changed, marked
 * with every kind of change it carries. Sharing gained or lost lands on the
 * fd's row when that fd also changed otherwise, else on a row of its own.
 */
import type { BStrJson } from '../model/bstr.js';
import type { DiffFd, DiffResult, DiffTask, SharingChange, U64Json } from '../store-types.js';

export const CHANGE_IDS = ['appeared', 'vanished', 'opened', 'closed', 'retargeted', 'flags', 'moved', 'cloexec', 'deleted', 'shared', 'unshared'] as const;
export type Change = (typeof CHANGE_IDS)[number];

export const CHANGES: { id: Change; label: string; short: string }[] = [
  { id: 'appeared', label: 'process appeared', short: '+proc' },
  { id: 'vanished', label: 'process gone', short: '−proc' },
  { id: 'opened', label: 'opened', short: 'opened' },
  { id: 'closed', label: 'closed', short: 'closed' },
  { id: 'retargeted', label: 'retargeted', short: 'target' },
  { id: 'flags', label: 'flags changed', short: 'flags' },
  { id: 'moved', label: 'position moved', short: 'moved' },
  { id: 'cloexec', label: 'close-on-exec', short: 'cloexec' },
  { id: 'deleted', label: 'unlinked', short: 'unlinked' },
  { id: 'shared', label: 'sharing gained', short: 'shared' },
  { id: 'unshared', label: 'sharing lost', short: 'unshared' },
];

/** What one side of a row shows (a sharing-only row knows the fd's target, not its flags). */
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
      /** Fields that differ, to mark the cells: target, kind, flags, pos, cloexec, deleted. */
      fields: string[];
      kinds: string[];
      posDelta?: U64Json;
      note: string;
    };

export interface BuiltRows {
  rows: DiffRow[];
  counts: Record<Change, number>;
  kinds: string[];
}

const FIELD_CHANGE: Record<string, Change> = { target: 'retargeted', kind: 'retargeted', flags: 'flags', pos: 'moved', cloexec: 'cloexec', deleted: 'deleted' };

const withText = (w: SharingChange['with']) => w.map((x) => `${x.pid}:${x.fd}`).join(', ');

export function diffRows(d: DiffResult): BuiltRows {
  const counts = Object.fromEntries([
    ['appeared', 0], ['vanished', 0], ['opened', 0], ['closed', 0], ['retargeted', 0], ['flags', 0],
    ['moved', 0], ['cloexec', 0], ['deleted', 0], ['shared', 0], ['unshared', 0],
  ]) as Record<Change, number>;
  const kinds = new Set<string>();
  const rows: DiffRow[] = [];
  for (const t of d.appeared) rows.push({ type: 'process', change: 'appeared', task: t });
  for (const t of d.vanished) rows.push({ type: 'process', change: 'vanished', task: t });
  counts.appeared = d.appeared.length;
  counts.vanished = d.vanished.length;
  for (const t of d.tasks) {
    rows.push({ type: 'task', comm: t.after.comm, pidA: t.before.pid, pidB: t.after.pid, cmdline: t.after.cmdline, fdsA: t.before.fdCount, fdsB: t.after.fdCount });
    const byFd = new Map<number, DiffRow & { type: 'fd' }>();
    const fdRows: (DiffRow & { type: 'fd' })[] = [];
    const add = (r: DiffRow & { type: 'fd' }) => {
      fdRows.push(r);
      byFd.set(r.after?.fd ?? r.before!.fd, r);
    };
    const base = { type: 'fd' as const, pidA: t.before.pid, pidB: t.after.pid, note: '' };
    for (const f of t.opened) add({ ...base, before: null, after: f, changes: ['opened'], fields: [], kinds: [f.kind] });
    for (const f of t.closed) {
      // An fd number closed and reopened is one "retargeted" change in the store's terms; a pure close has no B side.
      add({ ...base, before: f, after: null, changes: ['closed'], fields: [], kinds: [f.kind] });
    }
    for (const c of t.changed) {
      const changes: Change[] = [];
      for (const x of c.changes) {
        const ch = FIELD_CHANGE[x.field];
        if (ch && !changes.includes(ch)) changes.push(ch);
      }
      add({ ...base, before: c.before, after: c.after, changes, fields: c.changes.map((x) => x.field), kinds: [...new Set([c.before.kind, c.after.kind])], posDelta: c.posDelta });
    }
    const sharing = (list: SharingChange[], change: 'shared' | 'unshared') => {
      for (const s of list) {
        const r = byFd.get(s.fd);
        const note = `${change === 'shared' ? 'now shared with' : 'no longer shared with'} ${withText(s.with)}`;
        if (r) {
          r.changes.push(change);
          r.note = note;
        } else {
          const side: Side = { fd: s.fd, kind: '', target: s.target, flagNames: '', pos: '', cloexec: false };
          add({ ...base, before: side, after: side, changes: [change], fields: [], kinds: [], note });
        }
      }
    };
    sharing(t.sharingStarted, 'shared');
    sharing(t.sharingEnded, 'unshared');
    fdRows.sort((x, y) => (x.after?.fd ?? x.before!.fd) - (y.after?.fd ?? y.before!.fd) || (x.after ? 1 : 0) - (y.after ? 1 : 0));
    for (const r of fdRows) {
      for (const c of r.changes) counts[c]++;
      for (const k of r.kinds) if (k) kinds.add(k);
      rows.push(r);
    }
  }
  return { rows, counts, kinds: [...kinds].sort() };
}

/**
 * The rows a filter keeps: fd rows carrying one of the kinds of change and
 * (when given) of the kind of file, process rows of a kept kind, and each
 * process header once, before its first kept row.
 */
export function filterDiffRows(rows: readonly DiffRow[], changes: ReadonlySet<Change> | null, kind: string | null): DiffRow[] {
  if (!changes && !kind) return rows as DiffRow[];
  const out: DiffRow[] = [];
  let header: DiffRow | null = null;
  for (const r of rows) {
    if (r.type === 'task') {
      header = r;
      continue;
    }
    if (r.type === 'fd') {
      if (changes && !r.changes.some((c) => changes.has(c))) continue;
      if (kind && !r.kinds.includes(kind)) continue;
    } else if ((changes && !changes.has(r.change)) || kind) continue;
    if (header) {
      out.push(header);
      header = null;
    }
    out.push(r);
  }
  return out;
}
