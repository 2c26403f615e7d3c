/** Turns each exportable result into a Doc. All text here is display text (escaped bytes). */
import { describeFile, displayBStr, formatFlags, holders, u64ToJson, type Snapshot } from '../../src-shared/model/index.js';
import type { DiffFd, DiffResult, ImageSummary, SearchResult, Timeline } from '../../src-shared/store-types.js';
import type { Doc } from './doc.js';

const iso = (t: number) => new Date(t).toISOString();
const short = (id: string) => id.slice(0, 12);
const name = (s: ImageSummary) => (s.label ? `${s.label} (${short(s.id)})` : short(s.id));

function imageFacts(s: ImageSummary, prefix = ''): [string, string][] {
  return [
    [`${prefix}Image`, s.id],
    [`${prefix}Label`, s.label || '-'],
    [`${prefix}Tags`, s.tags.join(', ') || '-'],
    [`${prefix}Captured`, `${iso(s.captureTime)} on ${s.host} (${s.source}${s.frozen ? ', frozen' : ''})`],
    [`${prefix}Program`, s.program],
    [`${prefix}Contents`, `${s.taskCount} tasks, ${s.fdCount} fds, ${s.fileCount} open files`],
  ];
}

const MAX_ROWS = 100_000;

export function imageDoc(s: ImageSummary, snap: Snapshot): Doc {
  const files = new Map(snap.files.map((f) => [f.ref, f]));
  const tables = new Map(snap.fdTables.map((t) => [t.ref, t]));
  const { fileHolders, tableTasks } = holders(snap);
  const rows: string[][] = [];
  const kinds = new Map<string, number>();
  const listed = new Set<number>();
  for (const t of snap.tasks) {
    if (!t.fdTable || listed.has(t.fdTable)) continue;
    listed.add(t.fdTable);
    const table = tables.get(t.fdTable);
    const sharers = (tableTasks.get(t.fdTable) ?? []).filter((x) => x.pid === x.tgid).map((x) => x.pid);
    for (const d of table?.fds ?? []) {
      const f = files.get(d.file)!;
      kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
      const shared = new Set((fileHolders.get(d.file) ?? []).map((h) => h.pid)).size > 1;
      if (rows.length < MAX_ROWS)
        rows.push([
          sharers.join(' ') || String(t.pid),
          displayBStr(t.comm),
          String(d.fd),
          f.kind,
          formatFlags(f.flags),
          String(u64ToJson(f.pos)),
          d.cloexec ? 'yes' : 'no',
          shared ? 'yes' : 'no',
          describeFile(f),
        ]);
    }
  }
  const nfds = snap.fdTables.reduce((n, t) => n + t.fds.length, 0);
  const sorted = [...kinds].sort((a, b) => b[1] - a[1]);
  return {
    title: `Checkpoint image ${name(s)}`,
    facts: imageFacts(s),
    charts: [{ kind: 'bars', title: 'Fds by kind', labels: sorted.map(([k]) => k), values: sorted.map(([, n]) => n) }],
    tables: [
      {
        title: 'Open fds',
        headers: ['pid', 'comm', 'fd', 'kind', 'flags', 'pos', 'cloexec', 'shared', 'target'],
        rows,
        omitted: nfds - rows.length,
      },
    ],
  };
}

export function searchDoc(r: SearchResult): Doc {
  const rows: string[][] = [];
  for (const g of r.groups)
    for (const h of g.hits)
      rows.push([
        short(g.image.id),
        g.image.label,
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
      ['Results', `${r.hitCount} hits in ${r.groups.length} images${r.truncated ? ' (more exist; narrow the query)' : ''}`],
    ],
    charts: top.length
      ? [{ kind: 'bars', title: 'Hits per image', labels: top.map((g) => name(g.image)), values: top.map((g) => g.hitCount) }]
      : [],
    tables: [
      {
        title: 'Hits',
        headers: ['image', 'label', 'captured', 'pid', 'comm', 'fd', 'kind', 'flags', 'pos', 'deleted', 'shared', 'target'],
        rows,
      },
    ],
  };
}

const fdText = (f: DiffFd) => `${f.kind} ${f.flagNames} ${f.target}`;

export function diffDoc(d: DiffResult): Doc {
  const s = d.summary;
  const rows: string[][] = [];
  for (const t of d.appeared) rows.push(['task appeared', '', String(t.pid), t.commText, '', '', '', `${t.cmdline} (${t.fdCount} fds)`]);
  for (const t of d.vanished) rows.push(['task vanished', String(t.pid), '', t.commText, '', '', `${t.cmdline} (${t.fdCount} fds)`, '']);
  for (const t of d.tasks) {
    const pa = String(t.before.pid);
    const pb = String(t.after.pid);
    for (const f of t.opened) rows.push(['fd opened', pa, pb, t.after.commText, String(f.fd), '', '', fdText(f)]);
    for (const f of t.closed) rows.push(['fd closed', pa, pb, t.before.commText, String(f.fd), '', fdText(f), '']);
    for (const c of t.changed)
      for (const ch of c.changes)
        rows.push([
          'fd changed',
          pa,
          pb,
          t.after.commText,
          String(c.fd),
          ch.field,
          ch.before,
          ch.field === 'pos' && c.posDelta !== undefined ? `${ch.after} (${Number(c.posDelta) >= 0 ? '+' : ''}${c.posDelta})` : ch.after,
        ]);
    for (const c of t.sharingStarted)
      rows.push([
        'sharing started',
        pa,
        pb,
        t.after.commText,
        String(c.fd),
        '',
        '',
        `${c.target} now also held by ${c.with.map((w) => `${w.pid}:${w.fd}`).join(' ')}`,
      ]);
    for (const c of t.sharingEnded)
      rows.push([
        'sharing ended',
        pa,
        pb,
        t.before.commText,
        String(c.fd),
        '',
        `${c.target} was also held by ${c.with.map((w) => `${w.pid}:${w.fd}`).join(' ')}`,
        '',
      ]);
  }
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
  const labels = [
    'tasks appeared',
    'tasks vanished',
    'tasks changed',
    'fds opened',
    'fds closed',
    'fds changed',
    'sharing started',
    'sharing ended',
    'tables shared',
    'tables split',
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
  ];
  return {
    title: `Diff ${name(d.a)} -> ${name(d.b)}`,
    facts: [
      ...imageFacts(d.a, 'Before: '),
      ...imageFacts(d.b, 'After: '),
      ['Matching', d.matching === 'pid' ? 'processes paired by pid' : 'processes paired by command line (pids changed)'],
      ['Summary', labels.map((l, i) => `${values[i]} ${l}`).join(', ')],
    ],
    charts: [{ kind: 'bars', title: 'Changes', labels, values }],
    tables: [{ title: 'Changes', headers: ['change', 'pid before', 'pid after', 'comm', 'fd', 'field', 'before', 'after'], rows }],
  };
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
              .map((s) => `${s.key} (+${s.perImage.toFixed(2)}/image, +${s.perHour.toFixed(2)}/h)`)
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
    ],
    tables: [
      {
        title: 'Points',
        headers: ['time', 'image', 'label', 'total', ...kinds],
        rows: t.points.map((p) => [iso(p.time), short(p.imageId), p.label, String(p.total), ...kinds.map((k) => String(p.byKind[k] ?? 0))]),
      },
      {
        title: 'Leak suspects (count only grows)',
        headers: ['what', 'key', 'first', 'last', 'per image', 'per hour', 'counts'],
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
    ],
  };
}
