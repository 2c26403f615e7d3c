/** `ckpt show` as text: the header, then each process with its fd table. */
import { describeFile, displayBStr, formatFlags, formatLimit, formatShare, holders, limitReport, listedWarnings, NEAR_LIMIT, recordsLimits, u64ToJson, type LimitReport, type Snapshot } from '../../src-shared/model/index.js';
import { columns } from '../report/text.js';

/** The machine's limits and the warnings, as show prints them under the counts. */
function limitLines(lim: LimitReport): string[] {
  const lines: string[] = [];
  const machine: string[] = [];
  if (lim.fileHandles.allocated !== null)
    machine.push(`${String(lim.fileHandles.allocated)} file handles allocated${lim.fileHandles.max !== null ? ` (fs.file-max ${String(lim.fileHandles.max)})` : ''}`);
  for (const u of lim.inotify.users)
    machine.push(
      `uid ${u.uid}: ${u.instances} inotify instance(s)${lim.inotify.maxInstances !== null ? ` of ${String(lim.inotify.maxInstances)}` : ''}, ${u.watches} watch(es)${lim.inotify.maxWatches !== null ? ` of ${String(lim.inotify.maxWatches)}` : ''}`,
    );
  if (machine.length) lines.push(`limits: ${machine.join('; ')}`);
  // Ten per-process warnings at most; the rest are one line.
  const { warnings, more } = listedWarnings(lim, 10);
  for (const w of warnings) lines.push(`warning: ${w}`);
  if (more)
    lines.push(`warning: ${more} more process(es) at ${formatShare(NEAR_LIMIT)} of their fd limit or more (ckpt show --limits lists them all)`);
  return lines;
}

/** `ckpt show --limits`: every process by the share of its soft fd limit it uses, most first. */
export function renderLimits(s: Snapshot): string {
  const lim = limitReport(s);
  const lines = limitLines(lim);
  if (lines.length) lines.push('');
  const rows = lim.processes.map((p) => [
    String(p.pid),
    String(p.fds),
    formatLimit(p.soft),
    formatLimit(p.hard),
    formatShare(p.used),
    displayBStr(p.comm),
  ]);
  if (rows.length) for (const l of columns(['PID', 'FDS', 'SOFT', 'HARD', 'USED', 'COMM'], rows, () => true)) lines.push(l);
  else lines.push('no process in this image has a recorded fd limit');
  if (lim.unknown) lines.push(`(${lim.unknown} process(es) without a recorded limit${recordsLimits(s.header) ? '' : ': the image is older than format 1.2'})`);
  return lines.join('\n');
}

export function renderShow(s: Snapshot): string {
  const h = s.header;
  const lines: string[] = [];
  const nfds = s.fdTables.reduce((n, t) => n + t.fds.length, 0);
  // Header texts come from the image (a hostname, a cgroup name a container chose): escaped like every name.
  lines.push(
    `image format ${h.formatMajor}.${h.formatMinor}, ${h.source} capture of ${displayBStr(h.hostname)} (${displayBStr(h.arch)}, ${displayBStr(h.kernelRelease)})`,
  );
  lines.push(`captured ${new Date(h.captureTime).toISOString()}${h.frozen ? ', processes frozen' : ''}`);
  const opts = Object.entries(h.options)
    .map(([k, v]) => `${displayBStr(k)}=${displayBStr(v)}`)
    .join(' ');
  if (opts) lines.push(`options: ${opts}`);
  lines.push(
    `${s.tasks.length} tasks, ${s.fdTables.length} fd tables, ${nfds} fds, ${s.files.length} open files, ${s.errors.length} capture errors`,
  );
  const lim = limitReport(s);
  lines.push(...limitLines(lim));
  const limitOf = new Map(lim.processes.map((p) => [p.pid, p]));
  const files = new Map(s.files.map((f) => [f.ref, f]));
  const tables = new Map(s.fdTables.map((t) => [t.ref, t]));
  const { fileHolders, tableTasks } = holders(s);
  for (const t of s.tasks) {
    lines.push('');
    const thread = t.pid !== t.tgid ? ` thread of ${t.tgid}` : '';
    const l = limitOf.get(t.pid);
    const fdLimit = l ? ` fds ${l.fds} of ${formatLimit(l.soft)}${l.hard !== l.soft ? ` (hard ${formatLimit(l.hard)})` : ''}` : '';
    lines.push(`task ${t.pid}${thread} ppid ${t.ppid} uid ${t.uid}${fdLimit} ${displayBStr(t.comm)}: ${t.cmdline.map(displayBStr).join(' ')}`);
    if (!t.fdTable) {
      lines.push('  no fd table');
      continue;
    }
    const sharers = (tableTasks.get(t.fdTable) ?? []).filter((o) => o !== t).map((o) => o.pid);
    if (sharers.length) {
      const first = (tableTasks.get(t.fdTable) ?? [])[0]!;
      if (first !== t) {
        lines.push(`  fd table ${t.fdTable} shared with ${sharers.join(', ')} (listed under ${first.pid})`);
        continue;
      }
      lines.push(`  fd table ${t.fdTable}, shared with ${sharers.join(', ')}`);
    }
    const table = tables.get(t.fdTable);
    for (const d of table?.fds ?? []) {
      const f = files.get(d.file)!;
      const others = (fileHolders.get(d.file) ?? []).filter((x) => !(x.pid === t.tgid && x.fd === d.fd));
      const share = others.length
        ? `  [file ${f.ref} also ${others
            .slice(0, 4)
            .map((x) => `${x.pid}:${x.fd}`)
            .join(' ')}${others.length > 4 ? ` +${others.length - 4}` : ''}]`
        : '';
      lines.push(
        `  ${String(d.fd).padStart(4)}${d.cloexec ? '*' : ' '} ${f.kind.padEnd(14)} ${formatFlags(f.flags).padEnd(28)} pos ${String(u64ToJson(f.pos)).padEnd(10)} ${describeFile(f)}${share}`,
      );
    }
  }
  if (s.errors.length) {
    lines.push('', 'capture errors:');
    for (const e of s.errors)
      lines.push(`  ${e.errno || '-'} pid ${e.pid}${e.fd >= 0 ? ` fd ${e.fd}` : ''} ${displayBStr(e.where)}: ${e.message}`);
  }
  lines.push('', '(* = close-on-exec)');
  return lines.join('\n');
}
