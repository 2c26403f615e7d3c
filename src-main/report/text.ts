/** Terminal text for search, diff and timeline results (the CLI's default output). */
import type { DiffResult, DiffTask, HoldersResult, SearchHit, SearchResult, Timeline, U64Json } from '../../src-shared/store-types.js';
import { taskList } from '../query/diff-result.js';
import { withText } from '../../src-shared/api/diff-rows.js';
import { counted, displayBStr, formatFdLimit, formatRate, heldText, type DiskHeld, type U64 } from '../../src-shared/model/index.js';

const iso = (t: number) => new Date(t).toISOString().slice(0, 19) + 'Z';
const img = (i: { id: string; label: string; captureTime: number }) =>
  `${i.id.slice(0, 12)} ${i.label ? `"${displayBStr(i.label)}" ` : ''}${iso(i.captureTime)}`;

/**
 * A deleted regular file's description with the disk it still holds, as
 * show and search print it: "/var/log/app.log (deleted, 4.8 MiB)", or with
 * its allocation where the image records it (diskHeld), a sparse file's
 * beside its size: "(deleted, 4.0 KiB on disk, size 50 GiB)". A bare size
 * is taken as one whose blocks are not recorded. Any other file's as it is.
 */
export function withDeletedSize(desc: string, f: { deleted: boolean; kind: string; size?: U64 }, held: number | bigint | DiskHeld): string {
  if (!f.deleted || f.kind !== 'regular' || !desc.endsWith(')')) return desc;
  const h: DiskHeld = typeof held === 'object' ? held : { bytes: held, allocated: false };
  return `${desc.slice(0, -1)}, ${heldText(h, f.size)})`;
}

const u64 = (v: U64Json): U64 => (typeof v === 'string' ? BigInt(v) : v);
const deletedSize = (h: SearchHit) =>
  withDeletedSize(h.target, { ...h, size: u64(h.size) }, { bytes: u64(h.held), allocated: h.heldAllocated });

export function searchText(r: SearchResult): string {
  const out: string[] = [
    `${counted(r.hitCount, 'hit')} in ${counted(r.groups.length, 'image')} for ${r.normalized || '(everything)'}${r.truncated ? ' (more exist; narrow the query or raise --limit)' : ''}`,
  ];
  for (const g of r.groups) {
    out.push('', `${img(g.image)}  ${g.image.program}${g.truncated ? `  (${g.hits.length} shown)` : ''}`);
    for (const h of g.hits)
      out.push(
        `  ${String(h.pid).padStart(7)} ${h.commText.padEnd(15)} ${String(h.fd).padStart(5)}${h.cloexec ? '*' : ' '} ${h.kind.padEnd(13)} ${h.flagNames.padEnd(24)} ${deletedSize(h)}${h.shared ? '  [shared]' : ''}`,
      );
  }
  return out.join('\n');
}

/**
 * A header and rows as aligned lines: each column as wide as its widest
 * cell, two spaces apart, right-aligned where `right` says so, the last
 * column unpadded.
 */
export function columns(head: string[], rows: string[][], right: (column: number) => boolean): string[] {
  // A loop, not Math.max(...lengths): a spread of a few hundred thousand rows (a broad --holders) exceeds the call stack.
  const width = head.map((x) => x.length);
  for (const r of rows) for (let i = 0; i < width.length; i++) width[i] = Math.max(width[i]!, r[i]!.length);
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : right(i) ? c.padStart(width[i]!) : c.padEnd(width[i]!)))
      .join('  ')
      .trimEnd();
  return [fmt(head), ...rows.map(fmt)];
}

/** `ckpt search --holders`: who held what, since when, and whether they still do. */
export function holdersText(r: HoldersResult): string {
  const out: string[] = [
    `${r.total} holder(s) of ${r.normalized || '(everything)'} across ${r.imagesCovered} image(s)${r.newest !== null ? ` up to ${iso(r.newest)}` : ''}${r.truncated ? ' (more matching fds than it folds: some were left out; narrow the query)' : ''}`,
  ];
  // Only some of them listed: which, and how to see the rest.
  if (r.offset > 0 || r.more)
    out.push(
      `${r.holders.length ? `holders ${r.offset + 1}-${r.offset + r.holders.length} of ${r.total} shown` : `none shown from ${r.offset + 1}`}${r.more ? ' (more exist; narrow the query or raise --limit)' : ''}`,
    );
  if (!r.holders.length) return out.join('\n');
  const rows = r.holders.map((h) => [
    String(h.pid),
    h.commText,
    String(h.fd),
    iso(h.firstSeen),
    h.now ? 'now' : iso(h.lastSeen),
    `${h.images}${h.gaps ? ` (${h.gaps} gap${h.gaps > 1 ? 's' : ''})` : ''}`,
    h.target,
  ]);
  // PID and FD right-aligned.
  // concat, not push(...): a broad query has more rows than a call takes arguments.
  return out
    .concat(
      '',
      columns(['PID', 'COMM', 'FD', 'SINCE', 'UNTIL', 'IMAGES', 'TARGET'], rows, (i) => i === 0 || i === 2),
    )
    .join('\n');
}

export function diffText(d: DiffResult, maxLines = 2000): string {
  const s = d.summary;
  const out: string[] = [
    `diff ${img(d.a)} -> ${img(d.b)}`,
    `processes paired by ${d.matching === 'pid' ? 'pid' : 'command line, or comm where there is none (pids changed)'}`,
    `tasks: ${s.tasksAppeared} appeared, ${s.tasksVanished} gone, ${s.tasksChanged} changed`,
    `fds: ${s.fdsOpened} opened, ${s.fdsClosed} closed, ${s.fdsChanged} changed`,
    `sharing: ${s.sharingStarted} started, ${s.sharingEnded} ended; fd tables: ${s.tablesBecameShared} became shared, ${s.tablesSplit} split`,
    `fd limits: ${s.fdLimitsChanged} changed`,
  ];
  const lines: string[] = [];
  // A process without a command line (a kernel thread, every process of a CRIU dump) is its comm alone.
  const who = (t: DiffTask) => `${t.commText}${t.cmdline ? `: ${t.cmdline}` : ''}`;
  for (const t of d.appeared) lines.push(`+ task ${t.pid} ${who(t)} (${counted(t.fdCount, 'fd')})`);
  for (const t of d.vanished) lines.push(`- task ${t.pid} ${who(t)} (${counted(t.fdCount, 'fd')})`);
  for (const tb of d.tables)
    lines.push(
      tb.change === 'split' ? `~ fd table shared by ${tb.pids.join(', ')} split` : `~ ${tb.pids.join(', ')} now share one fd table`,
    );
  for (const l of d.limits)
    lines.push(
      `~ task ${l.beforePid === l.pid ? l.pid : `${l.beforePid} -> ${l.pid}`} ${l.commText}: fd limit ${formatFdLimit(l.before)} -> ${formatFdLimit(l.after)} (${l.fds} fds)`,
    );
  const tasks = taskList(d);
  // Past the lines shown, processes are only counted: a lazy diff builds no more of them.
  let unbuilt = 0;
  for (let k = 0; k < tasks.count; k++) {
    if (lines.length >= maxLines) {
      unbuilt += 1 + tasks.fdChanges(k);
      continue;
    }
    const t = tasks.at(k);
    lines.push(`task ${t.before.pid === t.after.pid ? t.before.pid : `${t.before.pid} -> ${t.after.pid}`} ${t.after.commText}:`);
    for (const f of t.opened) lines.push(`  + fd ${f.fd} ${f.kind} ${f.flagNames} ${f.target}`);
    for (const f of t.closed) lines.push(`  - fd ${f.fd} ${f.kind} ${f.flagNames} ${f.target}`);
    for (const c of t.changed)
      lines.push(
        `  ~ fd ${c.fd} ${c.after.target}: ${c.changes.map((x) => (x.field === 'pos' && c.posDelta !== undefined ? `pos ${x.before} -> ${x.after} (${Number(c.posDelta) >= 0 ? '+' : ''}${c.posDelta})` : `${x.field} ${x.before} -> ${x.after}`)).join(', ')}`,
      );
    for (const c of t.sharingStarted) lines.push(`  ~ fd ${c.fd} ${c.target}: now shared with ${withText(c, ' ')}`);
    for (const c of t.sharingEnded) lines.push(`  ~ fd ${c.fd} ${c.target}: no longer shared with ${withText(c, ' ')}`);
  }
  // The blank line parts the summary from the details, shown or only counted.
  if (lines.length || unbuilt) out.push('');
  out.push(...lines.slice(0, maxLines));
  const hidden = Math.max(0, lines.length - maxLines) + unbuilt;
  if (hidden > 0) out.push(`... ${hidden} more lines (use --json or ckpt export for all)`);
  return out.join('\n');
}

export function timelineText(t: Timeline): string {
  const out = [`timeline of ${t.program}: ${t.points.length} images`];
  const kinds = t.kinds;
  out.push(
    `${'time'.padEnd(21)} ${'image'.padEnd(12)} ${'total'.padStart(7)} ${kinds.map((k) => k.padStart(Math.max(6, k.length))).join(' ')}`,
  );
  for (const p of t.points)
    out.push(
      `${iso(p.time).padEnd(21)} ${p.imageId.slice(0, 12)} ${String(p.total).padStart(7)} ${kinds.map((k) => String(p.byKind[k] ?? 0).padStart(Math.max(6, k.length))).join(' ')}`,
    );
  out.push('');
  if (!t.suspects.length) out.push(`no leak suspects: nothing only grows${t.limitReached ? ', nor grew into the fd limit' : ''}`);
  else {
    out.push('leak suspects (count only grows, or grew until the fd limit stopped it):');
    for (const s of t.suspects) out.push(`  ${s.what.padEnd(7)} ${s.key}: ${s.text}, +${formatRate(s.perImage)} per image`);
  }
  // When the series' process reached its limit and where from: the growth above, or none (at it from its first capture).
  if (t.limitReached) out.push(`fd limit reached: ${t.limitReached.text}`);
  return out.join('\n');
}

/** The series' process against its soft fd limit, from the last point: the projection, or why there is none (a report's "Fd limit" fact). */
export function timelineLimitText(t: Timeline): string {
  if (t.projection) return t.projection.text;
  const p = t.points[t.points.length - 1]?.process;
  if (!p?.fdLimit) return 'not known for this series (images before format 1.2, or imported before the library recorded limits)';
  if (p.fdLimit.soft === null) return `process ${p.pid} holds ${p.fds} fds, with no soft limit (unlimited)`;
  return `process ${p.pid} holds ${p.fds} fds of its soft limit of ${p.fdLimit.soft}; no growth to project from its recent captures`;
}

/** A projection's fitted rate as the CLI and reports print it: '-' where none was fitted (at the limit already). */
export function perHourText(p: { state: string; perHour: number }): string {
  return p.state === 'at-limit' ? '-' : formatRate(p.perHour);
}

/**
 * `ckpt timeline`'s "processes heading for their fd limit" section, earliest
 * first; empty when there are none, or when the one there is the series'
 * own process, which the last line already states.
 */
export function timelineProjectionsText(t: Timeline): string {
  const list = t.limitProjections;
  if (!list.length || (t.limitProjectionCount === 1 && t.projection?.pid === list[0]!.pid)) return '';
  const rows = list.map((p) => [String(p.pid), `${p.fds}/${p.soft}`, perHourText(p), p.reaches, p.cmdline]);
  const out = [
    `processes heading for their fd limit (${t.limitProjectionCount}, earliest first):`,
    ...columns(['pid', 'fds/soft', 'per hour', 'reaches its soft limit', 'command'], rows, (i) => i < 3).map((l) => `  ${l}`),
  ];
  if (t.limitProjectionCount > list.length) out.push(`  ... and ${t.limitProjectionCount - list.length} more`);
  return out.join('\n');
}

/** timelineLimitText as `ckpt timeline` ends with it. */
export function timelineLimitLine(t: Timeline): string {
  return `fd limit: ${timelineLimitText(t)}`;
}
