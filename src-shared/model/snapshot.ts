/**
 * The snapshot model: what one capture saw, independent of its source
 * (/proc, a simulation, a CRIU dump). It mirrors the Linux-CR object graph:
 * tasks point at fd tables by ref, fds point at open files by ref. A ref is
 * the identity of a shared kernel object (files_struct, struct file), so two
 * fds with one file ref share offset and status flags, and two tasks with
 * one fdTable ref share one table.
 */
import type { BStr } from './bstr.js';

/**
 * An unsigned 64-bit value: a number while it is a safe integer, a bigint
 * above 2^53-1 (overlayfs inode numbers, huge offsets). Never a bigint that
 * fits a number, so === works within each representation.
 */
export type U64 = number | bigint;

export type SourceKind = 'proc' | 'sim' | 'criu';

export interface ImageHeader {
  formatMajor: number;
  formatMinor: number;
  arch: string;
  kernelRelease: string;
  hostname: string;
  /** Milliseconds since the epoch. */
  captureTime: number;
  source: SourceKind;
  /** The processes were stopped for a consistent cut. */
  frozen: boolean;
  /** The options the capture ran with, as given (scenario, seed, pids ...). */
  options: Record<string, string>;
  /**
   * The machine's file limits at capture time, by sysctl name (KERNEL_LIMITS):
   * what "too many open files" hits when it is not a process's own limit.
   * Empty for images before 1.2 and where /proc/sys could not be read.
   */
  kernelLimits: Record<string, U64>;
}

/**
 * The kernel limits a capture records (docs/image-format.md, HEADER).
 * fs.file-nr is the first field of that file: file handles allocated now.
 */
export const KERNEL_LIMITS = [
  'fs.file-nr',
  'fs.file-max',
  'fs.nr_open',
  'fs.inotify.max_user_instances',
  'fs.inotify.max_user_watches',
  'fs.epoll.max_user_watches',
] as const;

/** RLIMIT_NOFILE of a process: null for "unlimited" (RLIM_INFINITY). */
export interface FdLimit {
  soft: number | null;
  hard: number | null;
}

export interface Namespace {
  /** "net", "mnt", "pid", ... */
  type: string;
  ino: U64;
}

export interface Task {
  pid: number;
  /** Thread group id: equal to pid for a process leader. */
  tgid: number;
  ppid: number;
  uid: number;
  gid: number;
  comm: BStr;
  cmdline: BStr[];
  cwd: BStr;
  root: BStr;
  namespaces: Namespace[];
  /** Ref of the fd table this task uses; 0 when it has none (zombie, unreadable). */
  fdTable: number;
  /** Its RLIMIT_NOFILE (the highest fd number + 1 it may open); null where not known (images before 1.2, /proc/PID/limits unreadable). */
  fdLimit: FdLimit | null;
  /**
   * True for a zombie: the process has exited and its parent has not
   * reaped it (state Z), so it has no fds, cwd or root, by that state and
   * not for want of reading them. Absent otherwise. Images before 1.3 do
   * not say (taskStateKnown()).
   */
  zombie?: boolean;
  /**
   * Its pid in each pid namespace it is in, from the capture's (so the
   * first is `pid` as the capture saw it) to its own, innermost one
   * (/proc/PID/status NSpid): `[32604, 3]` for pid 3 of a container. Absent
   * where not known (images before 1.5, a kernel without NSpid, a thread
   * in images before 1.6).
   */
  nsPids?: number[];
  /**
   * Its effective uid and gid as its own user namespace sees them (uid and
   * gid above are the capture's view), mapped through /proc/PID/uid_map and
   * gid_map: `{ uid: 0, gid: 0 }` for root of a rootless container whose
   * host uid is 100000; 65534 (the kernel's overflow id) for one the map
   * does not cover. Only for a task in a user namespace other than the
   * capture's; absent otherwise and where not known (images before 1.6, a
   * map or namespace link the capture could not read).
   */
  userNsIds?: { uid: number; gid: number };
}

export interface Fd {
  fd: number;
  /** Ref of the open file behind the descriptor. */
  file: number;
  /** Close-on-exec belongs to the descriptor, not to the open file. */
  cloexec: boolean;
}

export interface FdTable {
  ref: number;
  fds: Fd[];
  /** Sharing of this table was inferred, not proven by the kernel (kcmp). */
  sharingInferred: boolean;
}

export type LockKind = 'posix' | 'flock' | 'ofd' | 'lease';
export interface FileLock {
  kind: LockKind;
  write: boolean;
  /** Pid that holds it as the kernel reports it (-1 for OFD locks). */
  pid: number;
  start: U64;
  /** Inclusive end; null for "to end of file". */
  end: U64 | null;
}

/** Values a kind attribute may hold. */
export type AttrValue = number | bigint | boolean | string | Uint8Array | AttrRecord[];
export interface AttrRecord {
  [name: string]: AttrValue;
}

/**
 * One open file description. The common fields are what every kind has;
 * `attrs` holds the kind's own attributes as its schema in src-shared/kinds
 * declares them.
 */
export interface OpenFile {
  ref: number;
  /** A kind name from the registry, or "unknown" for a kind this version cannot read. */
  kind: string;
  /** Link text or path, exact bytes (for a deleted file without the " (deleted)" suffix). */
  path: BStr;
  /** f_flags in the kernel's numbering, O_CLOEXEC stripped (it belongs to the fd). */
  flags: number;
  /** st_mode of the target. */
  mode: number;
  pos: U64;
  mntId: number;
  dev: U64;
  ino: U64;
  rdev: U64;
  size: U64;
  nlink: number;
  deleted: boolean;
  /** Sharing of this file was inferred, not proven by the kernel (kcmp). */
  sharingInferred: boolean;
  locks: FileLock[];
  attrs: AttrRecord;
  /** For kind "unknown": the kind code and the body bytes, kept verbatim. */
  unknownKindCode?: number;
  unknownBody?: Uint8Array;
}

/** What a capture could not read, and why (the seed's ckpt_write_err). */
export interface CaptureError {
  /** errno name or number as text: "EACCES", "ESRCH", or "" when none applies. */
  errno: string;
  pid: number;
  /** The fd concerned, or -1. */
  fd: number;
  /** What was being read, e.g. "/proc/42/fdinfo/7". */
  where: BStr;
  message: string;
}

export interface Snapshot {
  header: ImageHeader;
  tasks: Task[];
  fdTables: FdTable[];
  files: OpenFile[];
  errors: CaptureError[];
}

export const FORMAT_MAJOR = 1;
/** 1.1: anon files keep their fdinfo text; 1.2: tasks' fd limits and the kernel's file limits; 1.3: zombie tasks; 1.4: unix sockets' queues; 1.5: tasks' pids in their pid namespaces; 1.6: tasks' ids in their user namespace, threads' pids in pid namespaces, TCP listeners' backlog; 1.7: regular files' allocated blocks, unix listeners' backlog and the clients waiting in their accept queue; 1.8: memfds' allocated blocks, the memory they hold (see docs/image-format.md, "Versions"). */
export const FORMAT_MINOR = 8;
/** The minor that added tasks' fd limits (TASK) and the kernel's file limits (HEADER): older images lack them. */
export const LIMITS_SINCE = 2;
/** The minor that marks zombie tasks (TASK flag bit 1): in older images a task without the mark may have been one. */
export const ZOMBIE_SINCE = 3;
/** The minor that added tasks' pids in their pid namespaces (TASK, after the fd limit). */
export const NSPIDS_SINCE = 5;
/** The minor that added tasks' ids in their user namespace (TASK flag bit 2 and two u32 after the pids), threads' pids in pid namespaces and inet listeners' backlog. */
export const USERNS_SINCE = 6;
/** The minor that added regular files' allocated blocks (st_blocks) and unix listeners' backlog and pending clients. */
export const BLOCKS_SINCE = 7;
/** The minor that added memfds' allocated blocks (st_blocks): the memory a memfd holds, which its size may overstate. */
export const MEMFD_BLOCKS_SINCE = 8;

/** Whether the image says which tasks were zombies (a task without `zombie` then was not one). */
export function taskStateKnown(h: Pick<ImageHeader, 'formatMinor'>): boolean {
  return h.formatMinor >= ZOMBIE_SINCE;
}
