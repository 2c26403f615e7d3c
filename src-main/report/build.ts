/** Turns each exportable result into a Doc. All text here is display text (escaped bytes). */
import {
  contentsText,
  counted,
  describeFile,
  diskHeld,
  displayBStr,
  formatFdLimit,
  formatFlags,
  formatLimit,
  formatRate,
  formatShare,
  heldNote,
  deletedStillOpen,
  holders,
  limitReport,
  locksTag,
  u64ToJson,
  USERNS_SINCE,
  type FdLimit,
  type Snapshot,
  type Task,
} from '../../src-shared/model/index.js';
import { CHANGES, FIELD_CHANGE, withText, type Change } from '../../src-shared/api/diff-rows.js';
import { limitsToJson } from '../../src-shared/api/limits-json.js';
import type { ImageLimits } from '../../src-shared/api/results.js';
import type { DiffFd, DiffResult, HoldersResult, ImageSummary, SearchResult, Timeline } from '../../src-shared/store-types.js';
import type { Doc, Section, Table } from './doc.js';
import { perHourText, timelineLimitText, withDeletedSize } from './text.js';
import { formatSize } from '../../src-shared/model/size-text.js';

const iso = (t: number) => new Date(t).toISOString();
const short = (id: string) => id.slice(0, 12);
// Labels, tags and hosts go through displayBStr as names do: a person chose
// them (or a file name did), so bidi and control characters are escaped.
const name = (s: ImageSummary) => (s.label ? `${displayBStr(s.label)} (${short(s.id)})` : short(s.id));

function imageFacts(s: ImageSummary, prefix = ''): [string, string][] {
  return [
    [`${prefix}Image`, s.id],
    [`${prefix}Label`, displayBStr(s.label) || '-'],
    [`${prefix}Tags`, s.tags.map(displayBStr).join(', ') || '-'],
    [`${prefix}Captured`, `${iso(s.captureTime)}${s.host ? ` on ${displayBStr(s.host)}` : ''} (${s.source}${s.frozen ? ', frozen' : ''})`],
    [`${prefix}Program`, s.program],
    [`${prefix}Contents`, contentsText(s.taskCount, s.fdCount, s.fileCount)],
  ];
}

const MAX_ROWS = 100_000;
/** Per-process limit warnings a report spells out; the Fd limits table lists every process anyway. */
const MAX_PROCESS_WARNINGS = 100;

const NOT_RECORDED = 'not recorded';
const u64Text = (v: string | number | null) => (v === null ? NOT_RECORDED : String(v));

/** An image's limits as the report gives them (and its JSON export carries). */
export function imageLimits(snap: Snapshot): ImageLimits {
  return limitsToJson(limitReport(snap), snap.header, { maxProcessWarnings: MAX_PROCESS_WARNINGS });
}

function limitsSection(l: ImageLimits): Section {
  const facts: [string, string][] = [];
  const k = (name: string) => u64Text(Object.hasOwn(l.kernel, name) ? l.kernel[name]! : null);
  if (!l.recorded)
    facts.push([
      'Limits',
      `${NOT_RECORDED}: the image is format ${l.format}; fd limits and the machine's file limits are recorded from format 1.2 on`,
    ]);
  facts.push([
    'Fd limits (RLIMIT_NOFILE)',
    l.known
      ? `${l.known} process(es) with a recorded limit, ${l.near} at ${formatShare(l.nearShare)} of their soft limit or more` +
        (l.unknown ? `; ${l.unknown} ${NOT_RECORDED}` : '')
      : `${NOT_RECORDED}${l.unknown ? ` for any of the ${l.unknown} process(es)` : ''}`,
  ]);
  const fh = l.fileHandles;
  facts.push([
    'File handles (fs.file-nr of fs.file-max)',
    fh.allocated === null
      ? NOT_RECORDED
      : `${fh.allocated} allocated of ${u64Text(fh.max)}${fh.used === null ? '' : ` (${formatShare(fh.used)})`}`,
  ]);
  facts.push(['fs.nr_open (highest hard fd limit)', k('fs.nr_open')]);
  facts.push([
    'inotify limits per user',
    `fs.inotify.max_user_instances ${u64Text(l.inotify.maxInstances)}, fs.inotify.max_user_watches ${u64Text(l.inotify.maxWatches)}`,
  ]);
  for (const u of l.inotify.users)
    facts.push([
      `inotify of uid ${u.uid}`,
      `${u.instances} instance(s)${u.instancesUsed === null ? '' : ` (${formatShare(u.instancesUsed)})`}, ${u.watches} watch(es)${u.watchesUsed === null ? '' : ` (${formatShare(u.watchesUsed)})`}`,
    ]);
  facts.push(['fs.epoll.max_user_watches', k('fs.epoll.max_user_watches')]);
  const warnings = [...l.warnings];
  if (l.moreWarnings)
    warnings.push(
      `${l.moreWarnings} more process(es) at ${formatShare(l.nearShare)} of their soft fd limit or more (see the Fd limits table)`,
    );
  return { title: 'Limits', facts, warnings };
}

function limitsTable(l: ImageLimits): Table {
  return {
    title: 'Fd limits',
    headers: ['pid', 'comm', 'uid', 'fds', 'soft limit', 'hard limit', 'used', 'near'],
    rows: l.processes
      .slice(0, MAX_ROWS)
      .map((p) => [
        String(p.pid),
        typeof p.comm === 'string' ? displayBStr(p.comm) : p.comm.text,
        String(p.uid),
        String(p.fds),
        formatLimit(p.soft),
        formatLimit(p.hard),
        formatShare(p.used),
        p.near ? 'yes' : 'no',
      ]),
    omitted: Math.max(0, l.processes.length - MAX_ROWS),
  };
}

/**
 * The processes of a container as it knows them: the pid its logs and ps
 * use, the uid its root runs as on the host beside 0 inside (a rootless
 * one). Only processes in a pid or user namespace other than the capture's;
 * null when there are none. A column the image cannot vouch for says "not
 * recorded" rather than "the capture's": an image before 1.6 (ids inside)
 * or without NSpid (pid inside), a task whose user namespace link the
 * capture could not read (another user's, unprivileged) or whose id map
 * it could not (an error record on uid_map or gid_map).
 */
function insideTable(snap: Snapshot): Table | null {
  const SAME = "(the capture's)";
  const UNKNOWN = 'not recorded';
  const mapUnread = new Set(snap.errors.filter((e) => /\/(uid|gid)_map$/.test(displayBStr(e.where))).map((e) => e.pid));
  const idsKnown = (t: Task) =>
    snap.header.formatMinor >= USERNS_SINCE && t.namespaces.some((n) => n.type === 'user') && !mapUnread.has(t.tgid);
  const all = snap.tasks.filter((t) => t.pid === t.tgid && ((t.nsPids?.length ?? 0) > 1 || t.userNsIds));
  const rows = all.slice(0, MAX_ROWS).map((t) => {
    const ids = t.userNsIds ?? (idsKnown(t) ? null : undefined);
    return [
      String(t.pid),
      displayBStr(t.comm),
      t.nsPids ? (t.nsPids.length > 1 ? String(t.nsPids[t.nsPids.length - 1]) : SAME) : UNKNOWN,
      String(t.uid),
      ids ? String(ids.uid) : ids === null ? SAME : UNKNOWN,
      String(t.gid),
      ids ? String(ids.gid) : ids === null ? SAME : UNKNOWN,
    ];
  });
  return rows.length
    ? {
        title: 'Processes in namespaces of their own',
        headers: ['pid', 'comm', 'pid inside', 'uid', 'uid inside', 'gid', 'gid inside'],
        rows,
        omitted: all.length - rows.length,
      }
    : null;
}

/** How many holders of one file a report's cell names: a log leaked by dup() can have 20,000. */
const HOLDERS_LISTED = 20;

function holdersCell(h: readonly { pid: number; fd: number }[]): string {
  const listed = h
    .slice(0, HOLDERS_LISTED)
    .map((x) => `${x.pid}:${x.fd}`)
    .join(' ');
  return h.length > HOLDERS_LISTED ? `${listed} and ${h.length - HOLDERS_LISTED} more` : listed;
}

/**
 * Deleted regular files still open, each inode once, largest first: the
 * disk each holds until its last close (diskHeld: allocated blocks where the
 * image records them, else the size, said to be the apparent size), and
 * who holds it. The fact sums them as show's deleted-files line does.
 */
function deletedTable(snap: Snapshot, fileHolders: Map<number, { pid: number; fd: number }[]>): { fact: string; table: Table } | null {
  const deleted = deletedStillOpen(snap.files, (ref) => fileHolders.has(ref));
  if (!deleted) return null;
  const { files, total } = deleted;
  const shown = files.slice(0, MAX_ROWS);
  return {
    fact: `${counted(files.length, 'file')}, ${formatSize(total.bytes)} of disk not freed until they are closed${heldNote(total)}`,
    table: {
      title: 'Deleted files still open',
      headers: ['path', 'disk held', 'measured as', 'size', 'held by'],
      rows: shown.map(({ f, held }) => [
        displayBStr(f.path),
        formatSize(held.bytes),
        held.allocated ? 'allocated blocks' : 'apparent size (blocks not recorded)',
        formatSize(f.size),
        holdersCell(fileHolders.get(f.ref) ?? []),
      ]),
      wrap: [0],
      code: [0],
      omitted: files.length - shown.length,
    },
  };
}

export function imageDoc(s: ImageSummary, snap: Snapshot, limits: ImageLimits): Doc {
  const files = new Map(snap.files.map((f) => [f.ref, f]));
  const tables = new Map(snap.fdTables.map((t) => [t.ref, t]));
  const { fileHolders, tableTasks } = holders(snap);
  const rows: string[][] = [];
  // CSV holds one table: each fd row carries its process's limit there.
  const limitCols: string[][] = [];
  const fdLimitOf = new Map<number, FdLimit | null>(snap.tasks.map((t) => [t.pid, t.fdLimit]));
  const limitCol = (pids: number[], side: 'soft' | 'hard') =>
    pids
      .map((p) => {
        const l = fdLimitOf.get(p);
        return l ? formatLimit(l[side]) : NOT_RECORDED;
      })
      .join(' ');
  const kinds = new Map<string, number>();
  const listed = new Set<number>();
  const sharedFile = new Map<number, boolean>();
  for (const t of snap.tasks) {
    if (!t.fdTable || listed.has(t.fdTable)) continue;
    listed.add(t.fdTable);
    const table = tables.get(t.fdTable);
    const sharers = (tableTasks.get(t.fdTable) ?? []).filter((x) => x.pid === x.tgid).map((x) => x.pid);
    // A thread's limit is its process's.
    const limitPids = sharers.length ? sharers : [t.tgid];
    const limits = [limitCol(limitPids, 'soft'), limitCol(limitPids, 'hard')];
    for (const d of table?.fds ?? []) {
      const f = files.get(d.file)!;
      kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
      // Once per open file: one dup()ed 20,000 times has 20,000 holders for each of its fds.
      let shared = sharedFile.get(d.file);
      if (shared === undefined) sharedFile.set(d.file, (shared = new Set((fileHolders.get(d.file) ?? []).map((h) => h.pid)).size > 1));
      if (rows.length >= MAX_ROWS) continue;
      limitCols.push(limits);
      rows.push([
        sharers.join(' ') || String(t.pid),
        displayBStr(t.comm),
        String(d.fd),
        f.kind,
        formatFlags(f.flags),
        String(u64ToJson(f.pos)),
        d.cloexec ? 'yes' : 'no',
        shared ? 'yes' : 'no',
        // A deleted file's target says what it holds of the disk, as show's does.
        `${withDeletedSize(describeFile(f), f, diskHeld(f))}${f.locks.length ? `  ${locksTag(f.locks)}` : ''}`,
      ]);
    }
  }
  const nfds = snap.fdTables.reduce((n, t) => n + t.fds.length, 0);
  const sorted = [...kinds].sort((a, b) => b[1] - a[1]);
  const fdTable: Table = {
    title: 'Open fds',
    headers: ['pid', 'comm', 'fd', 'kind', 'flags', 'pos', 'cloexec', 'shared', 'target'],
    rows,
    wrap: [8],
    code: [8],
    omitted: nfds - rows.length,
  };
  // What could not be read is part of what the image says: a report without
  // it would count fewer fds than the process had and not say why.
  const comm = new Map(snap.tasks.map((t) => [t.pid, displayBStr(t.comm)]));
  const errors = snap.errors.slice(0, MAX_ROWS);
  const errorTable: Table = {
    title: 'Capture errors',
    headers: ['errno', 'pid', 'fd', 'where', 'what'],
    wrap: [3, 4],
    code: [3],
    // An image's text, like any name in it: escaped before a report renders it.
    rows: errors.map((e) => [
      displayBStr(e.errno) || '-',
      String(e.pid),
      e.fd >= 0 ? String(e.fd) : '-',
      displayBStr(e.where),
      displayBStr(e.message),
    ]),
    omitted: snap.errors.length - errors.length,
  };
  // CSV is one table: each error is a row of it, kind "capture error", its
  // errno, place and message as the target.
  const errorRows = errors.map((e) => [
    String(e.pid),
    comm.get(e.pid) ?? '',
    e.fd >= 0 ? String(e.fd) : '',
    'capture error',
    '',
    '',
    '',
    '',
    `${displayBStr(e.errno) || '-'} ${displayBStr(e.where)}: ${displayBStr(e.message)}`,
    '',
    '',
  ]);
  const inside = insideTable(snap);
  const deleted = deletedTable(snap, fileHolders);
  return {
    title: `Checkpoint image ${name(s)}`,
    facts: [
      ...imageFacts(s),
      ['Capture errors', snap.errors.length ? `${snap.errors.length} (listed under Capture errors)` : 'none'],
      ...(deleted ? [['Deleted files still open', deleted.fact] as [string, string]] : []),
    ],
    sections: [limitsSection(limits)],
    charts: [{ kind: 'bars', title: 'Fds by kind', labels: sorted.map(([k]) => k), values: sorted.map(([, n]) => n) }],
    tables: [
      fdTable,
      ...(snap.errors.length ? [errorTable] : []),
      limitsTable(limits),
      ...(inside ? [inside] : []),
      ...(deleted ? [deleted.table] : []),
    ],
    csv: {
      ...fdTable,
      headers: [...fdTable.headers, 'fd soft limit', 'fd hard limit'],
      rows: [...rows.map((r, i) => [...r, ...limitCols[i]!]), ...errorRows],
    },
  };
}

export function searchDoc(r: SearchResult): Doc {
  const rows: string[][] = [];
  for (const g of r.groups)
    for (const h of g.hits)
      rows.push([
        short(g.image.id),
        displayBStr(g.image.label),
        iso(g.image.captureTime),
        String(h.pid),
        h.commText,
        String(h.fd),
        h.kind,
        h.flagNames,
        String(h.pos),
        h.deleted ? 'yes' : 'no',
        h.shared ? 'yes' : 'no',
        h.target,
      ]);
  const top = r.groups.slice(0, 20);
  return {
    title: `Search: ${r.query}`,
    facts: [
      ['Query', r.query],
      ['Understood as', r.normalized || '(everything)'],
      [
        'Results',
        `${counted(r.hitCount, 'hit')} in ${counted(r.groups.length, 'image')}${r.truncated ? ' (more exist; narrow the query)' : ''}`,
      ],
    ],
    charts: top.length
      ? [{ kind: 'bars', title: 'Hits per image', labels: top.map((g) => name(g.image)), values: top.map((g) => g.hitCount) }]
      : [],
    tables: [
      {
        title: 'Hits',
        headers: ['image', 'label', 'captured', 'pid', 'comm', 'fd', 'kind', 'flags', 'pos', 'deleted', 'shared', 'target'],
        rows,
        wrap: [1, 11],
        code: [11],
      },
    ],
  };
}

/**
 * "Who holds it" as a report: each holder (a process holding the file at
 * one fd) since when and until when or now, what an incident note attaches.
 */
export function holdersDoc(r: HoldersResult): Doc {
  const shownRows = r.holders.slice(0, MAX_ROWS);
  return {
    title: `Who holds it: ${r.query}`,
    facts: [
      ['Query', r.query],
      ['Understood as', r.normalized || '(everything)'],
      [
        'Holders',
        `${r.total} across ${r.imagesCovered} images covered${r.newest !== null ? `, the newest captured ${iso(r.newest)}` : ''}${r.truncated ? ' (more matched than were folded; narrow the query)' : ''}${r.offset > 0 || r.more ? ` (this report lists ${r.holders.length ? `${r.offset + 1} to ${r.offset + r.holders.length}` : 'none'} of them)` : ''}`,
      ],
      [
        'Now',
        `${r.holders.filter((h) => h.now).length} still held: no later capture of their process, or of every process on its host, lacks them`,
      ],
    ],
    charts: [],
    tables: [
      {
        title: 'Holders',
        headers: ['pid', 'comm', 'fd', 'kind', 'since', 'until', 'images', 'gaps', 'target'],
        rows: shownRows.map((h) => [
          String(h.pid),
          h.commText,
          String(h.fd),
          h.kind,
          iso(h.firstSeen),
          h.now ? 'now' : iso(h.lastSeen),
          String(h.images),
          String(h.gaps),
          h.target,
        ]),
        omitted: r.holders.length - shownRows.length,
        wrap: [8],
        code: [8],
      },
    ],
  };
}

const fdText = (f: DiffFd) => `${f.kind} ${f.flagNames} ${f.target}`;

export function diffDoc(d: DiffResult): Doc {
  const s = d.summary;
  // The Diff view's words: each row named as the view marks it.
  const label = (c: Change) => CHANGES.find((x) => x.id === c)!.label;
  const rows: string[][] = [];
  for (const t of d.appeared)
    rows.push([label('appeared'), '', String(t.pid), t.commText, '', '', '', `${t.cmdline} (${counted(t.fdCount, 'fd')})`]);
  for (const t of d.vanished)
    rows.push([label('vanished'), String(t.pid), '', t.commText, '', '', `${t.cmdline} (${counted(t.fdCount, 'fd')})`, '']);
  for (const t of d.tasks) {
    const pa = String(t.before.pid);
    const pb = String(t.after.pid);
    for (const f of t.opened) rows.push([label('opened'), pa, pb, t.after.commText, String(f.fd), '', '', fdText(f)]);
    for (const f of t.closed) rows.push([label('closed'), pa, pb, t.before.commText, String(f.fd), '', fdText(f), '']);
    for (const c of t.changed)
      for (const ch of c.changes)
        rows.push([
          label(FIELD_CHANGE[ch.field] ?? 'retargeted'),
          pa,
          pb,
          t.after.commText,
          String(c.fd),
          ch.field,
          ch.before,
          ch.field === 'pos' && c.posDelta !== undefined ? `${ch.after} (${Number(c.posDelta) >= 0 ? '+' : ''}${c.posDelta})` : ch.after,
        ]);
    for (const c of t.sharingStarted)
      rows.push([label('shared'), pa, pb, t.after.commText, String(c.fd), '', c.target, `${c.target} now shared with ${withText(c)}`]);
    for (const c of t.sharingEnded)
      rows.push([
        label('unshared'),
        pa,
        pb,
        t.before.commText,
        String(c.fd),
        '',
        `${c.target} shared with ${withText(c)}`,
        `${c.target} no longer shared with ${withText(c)}`,
      ]);
  }
  for (const l of d.limits)
    rows.push([
      'fd limit changed',
      String(l.beforePid),
      String(l.pid),
      l.commText,
      '',
      'fd limit',
      formatFdLimit(l.before),
      `${formatFdLimit(l.after)} (${l.fds} fds)`,
    ]);
  for (const tb of d.tables)
    rows.push([
      tb.change === 'split' ? 'fd table split' : 'fd table became shared',
      tb.change === 'split' ? tb.pids.join(' ') : '',
      tb.change === 'split' ? '' : tb.pids.join(' '),
      '',
      '',
      '',
      '',
      '',
    ]);
  // The Diff view's summary: tasks appeared, gone, changed; fds opened, closed, changed; sharing gained, lost.
  const labels = [
    'tasks appeared',
    'tasks gone',
    'tasks changed',
    'fds opened',
    'fds closed',
    'fds changed',
    'sharing gained',
    'sharing lost',
    'tables became shared',
    'tables split',
    'fd limits changed',
  ];
  const values = [
    s.tasksAppeared,
    s.tasksVanished,
    s.tasksChanged,
    s.fdsOpened,
    s.fdsClosed,
    s.fdsChanged,
    s.sharingStarted,
    s.sharingEnded,
    s.tablesBecameShared,
    s.tablesSplit,
    s.fdLimitsChanged,
  ];
  return {
    title: `Diff ${name(d.a)} -> ${name(d.b)}`,
    facts: [
      ...imageFacts(d.a, 'Before: '),
      ...imageFacts(d.b, 'After: '),
      [
        'Matching',
        d.matching === 'pid' ? 'processes paired by pid' : 'processes paired by command line, or comm where there is none (pids changed)',
      ],
      ['Summary', labels.map((l, i) => `${values[i]} ${l}`).join(', ')],
    ],
    charts: [{ kind: 'bars', title: 'Changes', labels, values }],
    tables: [
      {
        title: 'Changes',
        headers: ['change', 'pid before', 'pid after', 'comm', 'fd', 'field', 'before', 'after'],
        rows,
        wrap: [6, 7],
        code: [6, 7],
      },
    ],
  };
}

function limitChart(t: Timeline): Doc['charts'] {
  const last = t.points[t.points.length - 1]?.process;
  if (!last) return [];
  let from = t.points.length;
  while (from > 0) {
    const p = t.points[from - 1]!.process;
    if (!p || p.pid !== last.pid || !p.fdLimit || p.fdLimit.soft === null) break;
    from--;
  }
  const run = t.points.slice(from);
  if (run.length < 2) return [];
  return [
    {
      kind: 'lines',
      title: `Fds of process ${last.pid} against its soft fd limit`,
      x: run.map((p) => p.time),
      series: [
        { name: 'fds', values: run.map((p) => p.process!.fds) },
        { name: 'soft fd limit', values: run.map((p) => p.process!.fdLimit!.soft!) },
      ],
    },
  ];
}

export function timelineDoc(t: Timeline): Doc {
  const kinds = t.kinds;
  return {
    title: `Timeline of ${t.program}`,
    facts: [
      ['Program', t.program],
      [
        'Images',
        `${t.points.length}, ${t.points.length ? `${iso(t.points[0]!.time)} to ${iso(t.points[t.points.length - 1]!.time)}` : ''}`,
      ],
      [
        'Leak suspects',
        t.suspects.length
          ? t.suspects
              .slice(0, 5)
              .map((s) => `${s.key}: ${s.text}, +${formatRate(s.perImage)}/image`)
              .join('; ')
          : 'none',
      ],
      ['Fd limit', timelineLimitText(t)],
      ...(t.limitReached ? [['Fd limit reached', t.limitReached.text] as [string, string]] : []),
      [
        'Processes heading for their fd limit',
        t.limitProjectionCount
          ? `${t.limitProjectionCount}, earliest first: ` +
            t.limitProjections
              .slice(0, 3)
              .map((p) => `${p.pid} ${p.commText} (${p.fds} of ${p.soft} fds, ${p.reaches})`)
              .join('; ')
          : 'none',
      ],
    ],
    charts: [
      {
        kind: 'lines',
        title: 'Fds over time',
        x: t.points.map((p) => p.time),
        series: [
          { name: 'total', values: t.points.map((p) => p.total) },
          ...kinds.map((k) => ({ name: k, values: t.points.map((p) => p.byKind[k] ?? 0) })),
        ],
      },
      // The latest process's own fds against its soft limit: the trailing
      // run of points with its pid (a restart is another process), where
      // each knows the limit (an unknown is no 0).
      ...limitChart(t),
    ],
    tables: [
      {
        title: 'Points',
        headers: ['time', 'image', 'label', 'total', ...kinds],
        wrap: [2],
        rows: t.points.map((p) => [
          iso(p.time),
          short(p.imageId),
          displayBStr(p.label),
          String(p.total),
          ...kinds.map((k) => String(p.byKind[k] ?? 0)),
        ]),
      },
      {
        title: 'Leak suspects (count only grows, or grew until the fd limit stopped it)',
        headers: ['what', 'key', 'first', 'last', 'per image', 'per hour', 'counts'],
        wrap: [1, 6],
        code: [1],
        rows: t.suspects.map((s) => [
          s.what,
          s.key,
          String(s.first),
          String(s.last),
          s.perImage.toFixed(2),
          s.perHour.toFixed(2),
          s.counts.join(' '),
        ]),
      },
      {
        title: 'Processes heading for their fd limit (earliest first)',
        headers: ['pid', 'comm', 'command', 'fds', 'soft limit', 'hard limit', 'per hour', 'reaches its soft limit'],
        wrap: [2, 7],
        code: [2],
        rows: t.limitProjections.map((p) => [
          String(p.pid),
          p.commText,
          p.cmdline,
          String(p.fds),
          String(p.soft),
          p.hard === null ? 'unlimited' : String(p.hard),
          perHourText(p),
          p.reaches,
        ]),
        omitted: t.limitProjectionCount - t.limitProjections.length,
      },
    ],
  };
}
