/** `ckpt show` as text: the header, then each process with its fd table. */
import {
  counted,
  describeFile,
  diskHeld,
  displayBStr,
  formatFlags,
  formatLimit,
  formatShare,
  heldNote,
  deletedStillOpen,
  heldText,
  holders,
  tableHolderPids,
  keptTableOut,
  limitReport,
  locksTag,
  listedWarnings,
  NEAR_LIMIT,
  recordsLimits,
  u64ToJson,
  otherEnds,
  unreadableNames,
  UNNAMED,
  type LimitReport,
  type Snapshot,
  type Task,
} from '../../src-shared/model/index.js';
import { columns, withDeletedSize } from '../report/text.js';
import { formatSize } from '../../src-shared/model/size-text.js';
import { otherHolders } from '../../src-shared/model/other-holders.js';

/** The machine's limits and the warnings, as show prints them under the counts. */
function limitLines(lim: LimitReport): string[] {
  const lines: string[] = [];
  const machine: string[] = [];
  if (lim.fileHandles.allocated !== null)
    machine.push(
      `${String(lim.fileHandles.allocated)} file handles allocated${lim.fileHandles.max !== null ? ` (fs.file-max ${String(lim.fileHandles.max)})` : ''}`,
    );
  for (const u of lim.inotify.users)
    machine.push(
      `uid ${u.uid}: ${u.instances} inotify instance(s)${lim.inotify.maxInstances !== null ? ` of ${String(lim.inotify.maxInstances)}` : ''}, ${u.watches} watch(es)${lim.inotify.maxWatches !== null ? ` of ${String(lim.inotify.maxWatches)}` : ''}`,
    );
  if (machine.length) lines.push(`limits: ${machine.join('; ')}`);
  // Ten per-process warnings at most; the rest are one line.
  const { warnings, more } = listedWarnings(lim, 10);
  for (const w of warnings) lines.push(`warning: ${w}`);
  if (more)
    lines.push(
      `warning: ${more} more process(es) at ${formatShare(NEAR_LIMIT)} of their fd limit or more (ckpt show --limits lists them all)`,
    );
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
  // A process whose fds could not be read (another user's) still has its
  // limit recorded (/proc/PID/limits is readable): listed after, FDS '-'.
  const withFds = new Set(lim.processes.map((p) => p.pid));
  const uncounted = s.tasks.filter((t) => t.pid === t.tgid && t.fdLimit && !t.zombie && !withFds.has(t.pid));
  for (const t of uncounted.sort((a, b) => a.pid - b.pid))
    rows.push([String(t.pid), '-', formatLimit(t.fdLimit!.soft), formatLimit(t.fdLimit!.hard), '-', displayBStr(t.comm)]);
  if (rows.length) for (const l of columns(['PID', 'FDS', 'SOFT', 'HARD', 'USED', 'COMM'], rows, () => true)) lines.push(l);
  else lines.push('no process in this image has a recorded fd limit');
  if (uncounted.length)
    lines.push(`(FDS -: ${counted(uncounted.length, 'process')} whose fds could not be read, so not counted against the limit)`);
  if (lim.unknown)
    lines.push(
      `(${lim.unknown} process(es) without a recorded limit${recordsLimits(s.header) ? '' : ': the image is older than format 1.2'})`,
    );
  return lines.join('\n');
}

/** What `ckpt show` lists: every process and fd, or those named by --pid and --kind. */
export interface ShowFilter {
  pids?: Set<number>;
  kinds?: Set<string>;
}

/** The first of an fd's file's other holders and how many more: "200:3 200:4 200:5 200:6 +17997". */
function othersText(o: { shown: { pid: number; fd: number }[]; total: number }): string {
  const more = o.total - o.shown.length;
  return `${o.shown.map((x) => `${x.pid}:${x.fd}`).join(' ')}${more > 0 ? ` +${more}` : ''}`;
}

/** Who holds the other ends of each connected socket, pipe and FIFO in the image (every one of a pipe's: otherEnds), by the file's ref. */
function endHolders(s: Snapshot, fileHolders: Map<number, { pid: number; fd: number }[]>): Map<number, string> {
  const ends = new Map<number, string>();
  // A pipe's read ends share one list of its write ends (and the reverse): its text once per list, and
  // without copying every holder of every end (a FIFO can be open thousands of times).
  const texts = new Map<readonly number[], string>();
  for (const [ref, others] of otherEnds(s)) {
    let text = texts.get(others);
    if (text === undefined) {
      const first: { pid: number; fd: number }[] = [];
      let n = 0;
      for (const o of others) {
        const h = fileHolders.get(o) ?? [];
        for (let i = 0; i < h.length && first.length < 4; i++) first.push(h[i]!);
        n += h.length;
      }
      text = n ? othersText({ shown: first, total: n }) : '';
      texts.set(others, text);
    }
    if (text) ends.set(ref, text);
  }
  return ends;
}

/**
 * Deleted files still open pin their blocks until the last close: how many,
 * how much, and the largest, each inode once (shared or opened twice).
 * (A memfd holds memory, not disk: its summary says how much, memoryHeld.)
 */
function deletedLine(s: Snapshot, fileHolders: Map<number, { pid: number; fd: number }[]>): string | null {
  // What each holds of the disk (diskHeld): allocated blocks where the image records them, else the size (apparent).
  const deleted = deletedStillOpen(s.files, (ref) => fileHolders.has(ref));
  if (!deleted) return null;
  const { files, total } = deleted;
  const big = files[0]!;
  const by = fileHolders.get(big.f.ref)![0]!;
  return `deleted files still open: ${files.length}, ${formatSize(total.bytes)} of disk not freed until they are closed${heldNote(total)} (largest ${displayBStr(big.f.path)}, ${heldText(big.held, big.f.size)}, held by ${by.pid}:${by.fd})`;
}

/**
 * Per namespace type, the inode most of the image's processes share (the
 * host's, for a capture of a machine): a process elsewhere is in a
 * container, and show says in which. Types only one process has a view of
 * are left out: there is nothing to compare with.
 */
function usualNamespaces(s: Snapshot): Map<string, string> {
  const count = new Map<string, Map<string, number>>();
  for (const t of s.tasks) {
    if (t.pid !== t.tgid) continue;
    for (const n of t.namespaces) {
      const m = count.get(n.type) ?? count.set(n.type, new Map()).get(n.type)!;
      m.set(String(n.ino), (m.get(String(n.ino)) ?? 0) + 1);
    }
  }
  const usual = new Map<string, string>();
  for (const [type, m] of count) {
    const [ino, n] = [...m].reduce((a, b) => (b[1] > a[1] ? b : a));
    // A majority that is one process alone says nothing about the others.
    if (m.size > 1 && n > 1) usual.set(type, ino);
  }
  return usual;
}

/** Per pid, the capture error that kept its fd table out (its fd or fdinfo directory could not be read). */
function fdTableErrors(s: Snapshot): Map<number, Snapshot['errors'][number]> {
  const m = new Map<number, Snapshot['errors'][number]>();
  for (const e of s.errors) if (keptTableOut(e) && !m.has(e.pid)) m.set(e.pid, e);
  return m;
}

/** Ids as ranges: "2-12", "5, 7-9". */
function idRanges(ids: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < ids.length;) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j]! + 1) j++;
    out.push(i === j ? String(ids[i]) : `${ids[i]}-${ids[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}

/**
 * Per process, its threads that add nothing to its block: no fd table
 * (the process has none either: unreadable), no error of their own, not a
 * zombie, and no pid of their own inside a pid namespace to show. A
 * process of 40 threads another user runs is one block, not 40 that each
 * repeat its command line and say it has no table.
 */
function quietThreads(s: Snapshot, tableErrors: Map<number, unknown>): Map<number, Task[]> {
  const leaders = new Map<number, Task>();
  for (const t of s.tasks) if (t.pid === t.tgid) leaders.set(t.pid, t);
  const quiet = new Map<number, Task[]>();
  for (const t of s.tasks) {
    const p = leaders.get(t.tgid);
    if (t.pid === t.tgid || !p || p.zombie || p.fdTable || t.fdTable || t.zombie || tableErrors.has(t.pid)) continue;
    if (t.nsPids && t.nsPids.length > 1) continue;
    const l = quiet.get(p.pid) ?? quiet.set(p.pid, []).get(p.pid)!;
    l.push(t);
  }
  return quiet;
}

/** The folded threads' line: "threads 2-12 (11): no fd table of their own, as process 1", with their names where they differ from the process's. */
function quietLine(p: Task, threads: Task[]): string {
  return threadsLine(p, threads, (one) => `no fd table of ${one ? 'its' : 'their'} own, as process ${p.pid}`);
}

/** Threads sharing their process's table, folded: "threads 2-3001 (3000): share its fd table (named GC Thread#0, ...)". */
function sharingLine(p: Task, threads: Task[]): string {
  return threadsLine(p, threads, (one) => `${one ? 'shares' : 'share'} its fd table`);
}

function threadsLine(p: Task, threads: Task[], what: (one: boolean) => string): string {
  const ids = threads.map((t) => t.pid).sort((a, b) => a - b);
  const own = displayBStr(p.comm);
  const names = [...new Set(threads.map((t) => displayBStr(t.comm)))].filter((c) => c !== own);
  const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? ` +${names.length - 5}` : '');
  return `  ${ids.length === 1 ? 'thread' : 'threads'} ${idRanges(ids)}${ids.length > 1 ? ` (${ids.length})` : ''}: ${what(ids.length === 1)}${names.length ? ` (named ${shown})` : ''}`;
}

/** Pids that share a table, the first 8 of them: a CLONE_FILES pool can be hundreds. */
function pidList(pids: number[]): string {
  return pids.slice(0, 8).join(', ') + (pids.length > 8 ? ` +${pids.length - 8}` : '');
}

/**
 * Per process, the fd table that is the process's: its leader's, or, in an
 * image that gave an exited leader (pthread_exit) none, the one its first
 * thread holds, through which the capture read it. A thread with another
 * unshared it.
 */
function processTables(s: Snapshot): Map<number, number> {
  const m = new Map<number, number>();
  for (const t of s.tasks) if (t.pid === t.tgid && t.fdTable) m.set(t.pid, t.fdTable);
  for (const t of s.tasks) if (t.pid !== t.tgid && t.fdTable && !m.has(t.tgid)) m.set(t.tgid, t.fdTable);
  return m;
}

/** A rootless container's root is a host uid like 100000: its uid inside beside it, as its own tools there show it. */
function userNsUid(t: Task): string {
  return t.userNsIds ? ` (${t.userNsIds.uid} in its user namespace)` : '';
}

export function renderShow(s: Snapshot, filter: ShowFilter = {}): string {
  const h = s.header;
  const lines: string[] = [];
  const nfds = s.fdTables.reduce((n, t) => n + t.fds.length, 0);
  // Header texts come from the image (a hostname, a cgroup name a container chose): escaped like every name.
  // A CRIU dump records no hostname: left out, not shown empty.
  const host = displayBStr(h.hostname);
  lines.push(
    `image format ${h.formatMajor}.${h.formatMinor}, ${h.source} capture${host ? ` of ${host}` : ''} (${
      [h.arch, h.kernelRelease]
        .filter((x) => x !== '')
        .map(displayBStr)
        .join(', ') || 'arch and kernel not recorded'
    })`,
  );
  lines.push(`captured ${new Date(h.captureTime).toISOString()}${h.frozen ? ', processes frozen' : ''}`);
  const opts = Object.entries(h.options)
    .map(([k, v]) => `${displayBStr(k)}=${displayBStr(v)}`)
    .join(' ');
  if (opts) lines.push(`options: ${opts}`);
  lines.push(
    `${counted(s.tasks.length, 'task')}, ${counted(s.fdTables.length, 'fd table')}, ${counted(nfds, 'fd')}, ${counted(s.files.length, 'open file')}, ${counted(s.errors.length, 'capture error')}`,
  );
  const lim = limitReport(s);
  lines.push(...limitLines(lim));
  const limitOf = new Map(lim.processes.map((p) => [p.pid, p]));
  const files = new Map(s.files.map((f) => [f.ref, f]));
  const tables = new Map(s.fdTables.map((t) => [t.ref, t]));
  const { fileHolders, tableTasks } = holders(s);
  const deleted = deletedLine(s, fileHolders);
  if (deleted) lines.push(deleted);
  const ends = endHolders(s, fileHolders);
  const unnamed = unreadableNames(s);
  const tableErrors = fdTableErrors(s);
  const usualNs = usualNamespaces(s);
  const quiet = quietThreads(s, tableErrors);
  // Folded into their process's block where it is listed (--kind lists no process without fds).
  const folded = new Set<Task>();
  for (const [pid, q] of quiet) if (!filter.kinds && (!filter.pids || filter.pids.has(pid))) for (const th of q) folded.add(th);
  const processTable = processTables(s);
  // Threads that share their process's fd table (a JVM's or a Go server's
  // hundreds) fold into one line under the process, where each was a block
  // naming every other; a thread asked for by --pid keeps its block, and so
  // does one in a pid namespace of its own (its pid there is shown).
  const sharing = new Map<number, Task[]>();
  {
    const leaders = new Map<number, Task>();
    for (const t of s.tasks) if (t.pid === t.tgid) leaders.set(t.pid, t);
    for (const t of s.tasks) {
      if (t.pid === t.tgid || !t.fdTable || t.zombie || (t.nsPids && t.nsPids.length > 1) || filter.pids?.has(t.pid)) continue;
      const p = leaders.get(t.tgid);
      if (!p || p.fdTable !== t.fdTable || (filter.pids && !filter.pids.has(p.pid))) continue;
      (sharing.get(p.pid) ?? sharing.set(p.pid, []).get(p.pid)!).push(t);
      folded.add(t);
    }
  }
  // Columns as wide as this image's widest flags and positions (flags up to
  // a point: one odd fd should not push every line of a big image right).
  let flagsWidth = 28;
  let posWidth = 10;
  let fdWidth = 4;
  for (const t of s.fdTables) for (const d of t.fds) fdWidth = Math.max(fdWidth, String(d.fd).length);
  for (const f of s.files) {
    flagsWidth = Math.max(flagsWidth, Math.min(48, formatFlags(f.flags).length));
    posWidth = Math.max(posWidth, String(u64ToJson(f.pos)).length);
  }
  const filtered = Boolean(filter.pids || filter.kinds);
  const listedUnder = new Map<number, number>();
  let listed = 0;
  for (const t of s.tasks) {
    if (filter.pids && !filter.pids.has(t.pid) && !filter.pids.has(t.tgid)) continue;
    if (folded.has(t)) continue;
    const table = t.fdTable ? tables.get(t.fdTable) : undefined;
    const fds = filter.kinds ? (table?.fds ?? []).filter((d) => filter.kinds!.has(files.get(d.file)!.kind)) : (table?.fds ?? []);
    if (filter.kinds && !fds.length) continue;
    listed++;
    lines.push('');
    const thread = t.pid !== t.tgid ? ` thread of ${t.tgid}` : '';
    const l = limitOf.get(t.pid);
    // Without a table to count, the limit alone: it is known (/proc/PID/limits) where the fds are not.
    const fdLimit = l
      ? ` fds ${l.fds} of ${formatLimit(l.soft)}${l.hard !== l.soft ? ` (hard ${formatLimit(l.hard)})` : ''}`
      : t.pid === t.tgid && t.fdLimit && !t.zombie
        ? ` fd limit ${formatLimit(t.fdLimit.soft)}${t.fdLimit.hard !== t.fdLimit.soft ? ` (hard ${formatLimit(t.fdLimit.hard)})` : ''}`
        : '';
    // A container's process by the pid its own logs and ps inside it use, too.
    const inside = t.nsPids && t.nsPids.length > 1 ? ` (pid ${t.nsPids[t.nsPids.length - 1]} in its pid namespace)` : '';
    lines.push(
      `task ${t.pid}${inside}${thread} ppid ${t.ppid} uid ${t.uid}${userNsUid(t)}${fdLimit} ${displayBStr(t.comm)}${t.cmdline.length ? `: ${t.cmdline.map(displayBStr).join(' ')}` : ''}`,
    );
    // Where it runs from, as lsof's cwd and rtd: a daemon can pin a directory, or be chrooted.
    const root = displayBStr(t.root);
    if (t.pid === t.tgid && (t.cwd.length || t.root.length))
      lines.push(`  cwd ${t.cwd.length ? displayBStr(t.cwd) : '(unknown)'}${root && root !== '/' ? `  root ${root}` : ''}`);
    // Which container it is in: its namespaces that are not the image's usual ones.
    const own = t.pid === t.tgid ? t.namespaces.filter((n) => usualNs.has(n.type) && usualNs.get(n.type) !== String(n.ino)) : [];
    if (own.length) lines.push(`  namespaces of its own: ${own.map((n) => `${displayBStr(n.type)}:[${String(n.ino)}]`).join(' ')}`);
    if (!t.fdTable) {
      const why = tableErrors.get(t.pid);
      lines.push(
        t.zombie
          ? `  zombie: exited, not reaped by its parent (ppid ${t.ppid})`
          : why
            ? `  no fd table: ${displayBStr(why.errno)} on ${displayBStr(why.where)} (${displayBStr(why.message)})`
            : t.pid !== t.tgid && tableErrors.has(t.tgid)
              ? `  no fd table (as its process, ${t.tgid})`
              : t.pid === t.tgid && processTable.has(t.pid)
                ? `  no fd table: its main thread exited; the process's is listed under thread ${s.tasks.find((o) => o.tgid === t.pid && o.fdTable === processTable.get(t.pid))!.pid}`
                : '  no fd table',
      );
      // Its threads that add nothing, as one line (all of them shown here, whatever --pid named).
      const q = t.pid === t.tgid ? quiet.get(t.pid) : undefined;
      if (q) lines.push(quietLine(t, q));
      continue;
    }
    // A shared table is listed under the first of its tasks shown: with
    // --pid that may be a thread or a CLONE_FILES sharer, not the first user.
    const sharers = (tableTasks.get(t.fdTable) ?? []).filter((o) => o !== t && !folded.has(o)).map((o) => o.pid);
    const threads = t.pid === t.tgid ? sharing.get(t.pid) : undefined;
    if (sharers.length) {
      const under = listedUnder.get(t.fdTable);
      if (under !== undefined) {
        lines.push(`  fd table ${t.fdTable} shared with ${pidList(sharers)} (listed under ${under})`);
        // Its own threads (a CLONE_FILES process's) are folded here, not under the process it shares with.
        if (threads) lines.push(sharingLine(t, threads));
        continue;
      }
      lines.push(`  fd table ${t.fdTable}, shared with ${pidList(sharers)}`);
    } else if (threads) {
      // Shared only by its own threads, folded below: nothing else to name.
    } else if (t.pid !== t.tgid && processTable.get(t.tgid) !== t.fdTable)
      lines.push(`  fd table ${t.fdTable}, its own (the thread unshared it from process ${t.tgid}'s)`);
    else if (t.pid !== t.tgid) lines.push(`  fd table ${t.fdTable}, its process's (its main thread exited)`);
    if (threads) lines.push(sharingLine(t, threads));
    listedUnder.set(t.fdTable, t.pid);
    // This table's fds as the holder lists name them: the process's, or a thread's own.
    const self = tableHolderPids((tableTasks.get(t.fdTable) ?? []).filter((o) => o.tgid === t.tgid))[0] ?? t.tgid;
    // A POSIX lock is its owner's (one fd table's processes), not every
    // holder's of the open file: a forked child shares the file, not the lock.
    const owners = new Set((tableTasks.get(t.fdTable) ?? []).map((o) => o.tgid));
    for (const d of fds) {
      const f = files.get(d.file)!;
      const others = otherHolders(fileHolders.get(d.file) ?? [], self, d.fd, 4);
      const share = others.total ? `  [file ${f.ref} also ${othersText(others)}]` : '';
      const end = ends.get(f.ref);
      // A deleted file's size is what it keeps from the disk: "(deleted, 4.8 MiB)".
      let desc = describeFile(f);
      const why = desc.startsWith(UNNAMED) ? unnamed.get(`${t.pid}:${d.fd}`) : undefined;
      if (why) desc = `(name not readable: ${why})${desc.slice(UNNAMED.length)}`;
      desc = withDeletedSize(desc, f, diskHeld(f));
      const locks = f.locks.filter((l) => l.kind !== 'posix' || l.pid <= 0 || owners.has(l.pid));
      lines.push(
        `  ${String(d.fd).padStart(fdWidth)}${d.cloexec ? '*' : ' '} ${f.kind.padEnd(14)} ${formatFlags(f.flags).padEnd(flagsWidth)} pos ${String(u64ToJson(f.pos)).padEnd(posWidth)} ${desc}${locks.length ? `  ${locksTag(locks)}` : ''}${end ? `  [other end ${end}]` : ''}${share}`,
      );
    }
  }
  if (filtered && !listed) lines.push('', 'no process or fd matches --pid/--kind');
  if (s.errors.length) {
    lines.push('', 'capture errors:');
    for (const e of s.errors)
      lines.push(
        `  ${displayBStr(e.errno) || '-'} pid ${e.pid}${e.fd >= 0 ? ` fd ${e.fd}` : ''} ${displayBStr(e.where)}: ${displayBStr(e.message)}`,
      );
  }
  lines.push('', '(* = close-on-exec)');
  return lines.join('\n');
}
