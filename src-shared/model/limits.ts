/**
 * How close an image's processes, and its machine, were to the limits
 * behind "too many open files": a process's RLIMIT_NOFILE (EMFILE), the
 * machine's file handles (ENFILE), and the per-user inotify instance and
 * watch limits (inotify_init and inotify_add_watch fail with EMFILE and
 * ENOSPC: the "too many open files" of file watchers). One analysis for
 * `ckpt show`, reports and the app.
 */
import type { BStr } from './bstr.js';
import { LIMITS_SINCE, type ImageHeader, type Snapshot, type U64 } from './snapshot.js';

/** Images record limits from format 1.2 (LIMITS_SINCE) on. */
export function recordsLimits(h: Pick<ImageHeader, 'formatMajor' | 'formatMinor'>): boolean {
  return h.formatMajor > 1 || (h.formatMajor === 1 && h.formatMinor >= LIMITS_SINCE);
}

/** A process at or above this share of its soft fd limit is "near" it. */
export const NEAR_LIMIT = 0.8;

export interface ProcessLimit {
  pid: number;
  comm: BStr;
  uid: number;
  /** fds in its table (a table shared between processes counts for each: each may hit its limit). */
  fds: number;
  /** Its RLIMIT_NOFILE; null: unlimited. */
  soft: number | null;
  hard: number | null;
  /** fds / soft; null where the soft limit is unlimited. */
  used: number | null;
}

export interface UserInotify {
  uid: number;
  /** inotify instances (open files, however many fds and processes hold each). */
  instances: number;
  watches: number;
}

export interface LimitReport {
  /** Processes (thread group leaders) whose limit is known, most used first. */
  processes: ProcessLimit[];
  /** Processes whose limit was not recorded (an image before format 1.2, an unreadable /proc/PID/limits). */
  unknown: number;
  /** Those at or above NEAR_LIMIT of their soft limit. */
  near: ProcessLimit[];
  /** fs.file-nr (allocated) and fs.file-max; null where the image has none. */
  fileHandles: { allocated: U64 | null; max: U64 | null };
  inotify: { maxInstances: U64 | null; maxWatches: U64 | null; users: UserInotify[] };
  /** One sentence per process near or over its soft fd limit, in `near` order. */
  processWarnings: string[];
  /** One sentence per machine or user limit near or over: the machine's file handles, then each user's inotify. */
  otherWarnings: string[];
}

/** n as a share of a limit; null where the limit is not recorded or is 0. The app's bars use it too, so they agree with the warnings. */
export function share(n: number, of: U64 | null): number | null {
  if (of === null) return null;
  const d = typeof of === 'bigint' ? Number(of) : of;
  return d > 0 ? n / d : null;
}

/** A share as warnings, `ckpt show --limits` and reports print it: "90%"; "-" where there is none (an unlimited soft limit). */
export function formatShare(x: number | null): string {
  return x === null ? '-' : `${Math.round(x * 100)}%`;
}

/** A rate (fds per hour, per image) as people read one: whole from 10 up, two significant digits below. */
export function formatRate(v: number): string {
  return Math.abs(v) >= 10 ? String(Math.round(v)) : v.toPrecision(2);
}

/** One RLIMIT_NOFILE value: the number, or "unlimited" for null. */
export function formatLimit(v: number | null): string {
  return v === null ? 'unlimited' : String(v);
}

export function limitReport(s: Snapshot): LimitReport {
  const tableSize = new Map(s.fdTables.map((t) => [t.ref, t.fds.length]));
  const processes: ProcessLimit[] = [];
  let unknown = 0;
  const uidOf = new Map<number, number>();
  for (const t of s.tasks) {
    if (t.pid !== t.tgid) continue;
    uidOf.set(t.pid, t.uid);
    if (!t.fdLimit) {
      unknown++;
      continue;
    }
    const fds = tableSize.get(t.fdTable);
    if (fds === undefined) continue; // no table (a zombie, unreadable): nothing to count
    const { soft, hard } = t.fdLimit;
    // A soft limit of 0 leaves a process no fd at all: at its limit.
    processes.push({ pid: t.pid, comm: t.comm, uid: t.uid, fds, soft, hard, used: soft === null ? null : soft > 0 ? fds / soft : 1 });
  }
  processes.sort((a, b) => (b.used ?? -1) - (a.used ?? -1) || b.fds - a.fds || a.pid - b.pid);
  const near = processes.filter((p) => p.used !== null && p.used >= NEAR_LIMIT);

  // inotify: the kernel charges an instance and its watches to the user
  // that created it; the image knows who holds it, so the lowest-pid
  // holder's uid stands in for the creator.
  const inotifyFiles = new Set(s.files.filter((f) => f.kind === 'inotify').map((f) => f.ref));
  const owner = new Map<number, number>(); // file ref -> holder pid
  if (inotifyFiles.size) {
    const leaderOf = new Map<number, number[]>();
    for (const t of s.tasks) if (t.pid === t.tgid && t.fdTable) leaderOf.set(t.fdTable, [...(leaderOf.get(t.fdTable) ?? []), t.pid]);
    for (const table of s.fdTables)
      for (const d of table.fds)
        if (inotifyFiles.has(d.file))
          for (const pid of leaderOf.get(table.ref) ?? []) if (!owner.has(d.file) || pid < owner.get(d.file)!) owner.set(d.file, pid);
  }
  const byUid = new Map<number, UserInotify>();
  for (const f of s.files) {
    if (f.kind !== 'inotify') continue;
    const pid = owner.get(f.ref);
    const uid = pid === undefined ? -1 : (uidOf.get(pid) ?? -1);
    if (uid < 0) continue; // only an epoll watches it: no holder to charge
    const u = byUid.get(uid) ?? { uid, instances: 0, watches: 0 };
    u.instances++;
    u.watches += ((f.attrs.watches as unknown[] | undefined) ?? []).length;
    byUid.set(uid, u);
  }
  const users = [...byUid.values()].sort((a, b) => b.instances - a.instances || b.watches - a.watches || a.uid - b.uid);

  const k = s.header.kernelLimits;
  const get = (name: string): U64 | null => (Object.hasOwn(k, name) ? k[name]! : null);
  const fileHandles = { allocated: get('fs.file-nr'), max: get('fs.file-max') };
  const inotify = { maxInstances: get('fs.inotify.max_user_instances'), maxWatches: get('fs.inotify.max_user_watches'), users };

  const processWarnings: string[] = [];
  for (const p of near) {
    const over = p.fds >= (p.soft ?? Infinity);
    processWarnings.push(
      `process ${p.pid} holds ${p.fds} fds, ${over ? 'at or over' : formatShare(p.used) + ' of'} its soft limit of ${p.soft}` +
        (p.hard !== null && p.hard !== p.soft ? ` (hard limit ${p.hard}: it may raise the soft one)` : ''),
    );
  }
  const otherWarnings: string[] = [];
  const fh = fileHandles.allocated === null ? null : share(Number(fileHandles.allocated), fileHandles.max);
  if (fh !== null && fh >= NEAR_LIMIT)
    otherWarnings.push(
      `the machine has ${String(fileHandles.allocated)} file handles allocated, ${formatShare(fh)} of fs.file-max ${String(fileHandles.max)}`,
    );
  for (const u of users) {
    const i = share(u.instances, inotify.maxInstances);
    if (i !== null && i >= NEAR_LIMIT)
      otherWarnings.push(
        `uid ${u.uid} holds ${u.instances} inotify instances, ${formatShare(i)} of fs.inotify.max_user_instances ${String(inotify.maxInstances)}`,
      );
    const w = share(u.watches, inotify.maxWatches);
    if (w !== null && w >= NEAR_LIMIT)
      otherWarnings.push(
        `uid ${u.uid} holds ${u.watches} inotify watches, ${formatShare(w)} of fs.inotify.max_user_watches ${String(inotify.maxWatches)}`,
      );
  }
  return { processes, unknown, near, fileHandles, inotify, processWarnings, otherWarnings };
}

/**
 * The warnings as every consumer lists them: the machine's and users' first,
 * being fewer and wider, then the first `maxProcesses` processes' (a fleet of
 * workers near their limit is one finding, not a screenful); `more` counts
 * the processes' left out.
 */
export function listedWarnings(r: LimitReport, maxProcesses = Infinity): { warnings: string[]; more: number } {
  const kept = r.processWarnings.slice(0, maxProcesses);
  return { warnings: [...r.otherWarnings, ...kept], more: r.processWarnings.length - kept.length };
}

/** "soft 1024, hard 4096" ("unlimited" for null), as diffs and reports name a limit. */
export function formatFdLimit(l: { soft: number | null; hard: number | null }): string {
  return `soft ${formatLimit(l.soft)}, hard ${formatLimit(l.hard)}`;
}
