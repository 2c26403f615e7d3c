/**
 * Result types of the API contract. Everything is plain JSON: 64-bit values
 * arrive as number or decimal string (U64Json), byte strings as BStrJson, so
 * the UI displays exactly what the model holds and never rounds an inode.
 */
import type { BStrJson } from '../model/bstr.js';
import type { Json } from '../model/json.js';
import type { ImageHeader } from '../model/snapshot.js';
import type { DiffMatching, DiffSummary, ImageSummary, LimitChange, TableChange } from '../store-types.js';
import type { Change, DiffRow } from './diff-rows.js';

export type { Change, DiffRow };

export type U64Json = number | string;

export interface AppInfo {
  version: string;
  host: 'electron' | 'browser';
  /** Where the library lives. */
  home: string;
  /** Live capture from /proc is available in this build and on this system. */
  liveCapture: boolean;
  /** Views the backend serves; later views (diff, search, timeline, reports) appear here when they exist. */
  features: string[];
}

/** One image of the library, exactly as the store describes it. */
export type { ImageSummary };

export interface LibraryList {
  images: ImageSummary[];
  /** Images in the library (more than images.length when a limit was given). */
  total: number;
}

export interface Scenario {
  name: string;
  description: string;
  /** What its build reads besides the seed: the Capture view offers these. */
  params: ('step' | 'processes' | 'fds')[];
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Its bytes as JSON (bstrToJson), as a task's comm: the view matches comm patterns against them as the capture does. */
  comm: BStrJson;
  user: string;
  uid: number;
  /** Open fds, or null when /proc/PID/fd cannot be read. */
  fdCount: number | null;
  cmdline: string;
  /** Its pid namespace's inode (one per container), or null where the link cannot be read. */
  pidNs: number | null;
  /** Its network namespace's inode, or null where the link cannot be read. */
  netNs: number | null;
  /** Its cgroup: the unified (v2) hierarchy's path, else the first v1 hierarchy's; null where unreadable. */
  cgroup: BStrJson | null;
}

export interface ProcessList {
  processes: ProcessInfo[];
  /** The backend's own pid: listed, but never captured (a cgroup or namespace capture leaves it out). */
  selfPid: number;
  /** Why live capture is not offered, when it is not. */
  liveCaptureUnavailable: string | null;
}

export interface CaptureResult {
  image: ImageSummary;
  /** Errors the capture recorded in the image (unreadable fds, vanished processes). */
  errors: number;
}

/** A task as the process tree lists it; the rest is in TaskDetail (image.task). */
export interface TaskRow {
  pid: number;
  tgid: number;
  ppid: number;
  uid: number;
  comm: BStrJson;
  fdTable: number;
  /** Fds in its table (0 without one). */
  fdCount: number;
  /** Record index of its TASK record. */
  record: number;
  /**
   * A process leader's fds against its RLIMIT_NOFILE (limitReport); null
   * where the limit was not recorded (an image before format 1.2, an
   * unreadable /proc/PID/limits), for a task without a table, and for a
   * thread (the limit is its process's, shown on the leader).
   */
  fdLimit: FdLimitUse | null;
}

/** fds held against RLIMIT_NOFILE, as limitReport (src-shared/model/limits.ts) has them. */
export interface FdLimitUse {
  fds: number;
  /** null: unlimited. */
  soft: number | null;
  hard: number | null;
  /** fds / soft; null where the soft limit is unlimited. */
  used: number | null;
  /** At or above NEAR_LIMIT of the soft limit. */
  near: boolean;
}

export interface ProcessLimitRow extends FdLimitUse {
  pid: number;
  comm: BStrJson;
  uid: number;
}

/** One user's inotify instances and watches against the per-user limits. */
export interface UserInotifyRow {
  uid: number;
  instances: number;
  watches: number;
  /** Shares of fs.inotify.max_user_instances / max_user_watches; null where that limit is not recorded. */
  instancesUsed: number | null;
  watchesUsed: number | null;
}

/**
 * An image's limits (image.limits): limitReport made plain JSON. A limit
 * the image does not hold is null, never 0: the UI says "not recorded".
 */
export interface ImageLimits {
  /** The image is format 1.2 or later, which records limits; before it nothing was recorded. */
  recorded: boolean;
  format: string;
  /** The share of a limit at which a process or user counts as near it (0.8). */
  nearShare: number;
  /** Processes with a recorded limit, most used first (image.limits sends the first LIMIT_PROCESSES; a report all). */
  processes: ProcessLimitRow[];
  /** Processes with a recorded limit (more than processes.length when cut). */
  known: number;
  /** Processes whose limit was not recorded. */
  unknown: number;
  /** Processes at or above nearShare of their soft limit. */
  near: number;
  /** fs.file-nr's allocated handles against fs.file-max (ENFILE). */
  fileHandles: { allocated: U64Json | null; max: U64Json | null; used: number | null };
  inotify: { maxInstances: U64Json | null; maxWatches: U64Json | null; users: UserInotifyRow[] };
  /** Every kernel limit the header holds, by sysctl name. */
  kernel: Record<string, U64Json>;
  /** limitReport's sentences: the machine's and users' first, then processes' (the first few of those). */
  warnings: string[];
  /** Per-process warnings left out of `warnings`. */
  moreWarnings: number;
}

export interface TaskDetail extends TaskRow {
  gid: number;
  cmdline: BStrJson[];
  cwd: BStrJson;
  root: BStrJson;
  namespaces: { type: string; ino: U64Json }[];
  /** Its pid in each pid namespace, the capture's first and its own last (a container's pid 3); null where the image does not say. */
  nsPids: number[] | null;
  /** Its uid and gid as its own user namespace sees them (a rootless container's root: 0), where that is not the capture's; null otherwise or where the image does not say. */
  userNsIds: { uid: number; gid: number } | null;
}

export interface TableRow {
  ref: number;
  fdCount: number;
  /** Pids of every task using this table; more than one process means CLONE_FILES sharing. */
  pids: number[];
  sharingInferred: boolean;
  record: number;
}

export interface CaptureErrorRow {
  errno: string;
  pid: number;
  fd: number;
  where: BStrJson;
  message: string;
  record: number;
}

/** The image header as plain JSON: the kernel limits are u64 (fs.file-max is LONG_MAX on most machines). */
export type ImageHeaderJson = Omit<ImageHeader, 'kernelLimits'> & { kernelLimits: Record<string, U64Json> };

export interface ImageOverview {
  summary: ImageSummary;
  header: ImageHeaderJson;
  tasks: TaskRow[];
  tables: TableRow[];
  errors: CaptureErrorRow[];
  counts: { tasks: number; tables: number; fds: number; files: number; records: number; bytes: number };
}

export interface FdRow {
  fd: number;
  file: number;
  kind: string;
  /** One line for a person (describeFile). */
  target: string;
  flags: number;
  flagNames: string[];
  pos: U64Json;
  cloexec: boolean;
  /** The file was unlinked while open (the target then ends in " (deleted)"; a name may end so too). */
  deleted: boolean;
  /** How many fds in the image hold the same open file. */
  holders: number;
  record: number;
  /** Its row in the unfiltered table (equal to the page row unless a query filters). */
  position: number;
}

export interface Page<T> {
  total: number;
  offset: number;
  rows: T[];
}

export interface AttrLabel {
  name: string;
  label: string;
  type: string;
  /** For list attributes: the labels of each entry's fields. */
  of?: { name: string; label: string; type: string }[];
}

export interface FileDetail {
  ref: number;
  kind: string;
  kindLabel: string;
  description: string;
  flagNames: string[];
  modeType: string;
  /** The file as one flat JSON object: common fields then the kind's attributes. */
  file: { [k: string]: Json };
  attrLabels: AttrLabel[];
  /**
   * A regular file's hold on the disk (diskHeld): its allocated blocks x 512
   * where the image records them (allocated), else its size, the apparent
   * size; `text` as the Inspector's "Allocated on disk" row shows it. Null
   * for other kinds.
   */
  diskHeld: { bytes: U64Json; allocated: boolean; text: string } | null;
  /**
   * A memfd's hold on memory (memoryHeld, format 1.8): its allocated blocks
   * x 512 where the image records them (allocated), else its size, which may
   * overstate it hugely; `text` as the Inspector's "Memory held" row shows
   * it. Null for other kinds.
   */
  memoryHeld: { bytes: U64Json; allocated: boolean; text: string } | null;
  /**
   * The first FILE_HOLDERS_FIRST (methods.ts) fds that hold this open file,
   * in the order of the image's fd tables; image.holders pages through all
   * of them.
   */
  holders: FileHolder[];
  /** How many (pid, fd) hold it in all (holders has the first of them). */
  holderCount: number;
  /** How many processes those holders are in. */
  holderProcesses: number;
  /**
   * A connected socket's, a pipe's or a FIFO's other ends that are in this
   * image (otherEnds): each file and who holds it. A socket has one; a pipe
   * every open file on it at the other end, and a read-write one every other.
   */
  otherEnds: { ref: number; description: string; holders: FileHolder[]; holderCount: number }[];
  record: number;
}

export interface FileHolder {
  pid: number;
  comm: BStrJson;
  fd: number;
  table: number;
  cloexec: boolean;
  position: number;
  record: number;
}

export interface RecordRow {
  index: number;
  offset: number;
  type: number;
  typeName: string;
  len: number;
  objref: number;
  /** What the record describes, so the panes can follow a selection. */
  task?: number;
  table?: number;
  fd?: number;
  /** FILE_DESC: the fd's row in its table's fd list. */
  position?: number;
  file?: number;
  /** HEADER, ERROR, TAIL: a line for a person. */
  note?: string;
}

export interface RecordBytes {
  index: number;
  offset: number;
  len: number;
  /** Hex of the record's bytes (header, body, padding), at most `limit` bytes of it. */
  hex: string;
  truncated: boolean;
}

export type ReportFormat = 'html' | 'md' | 'json' | 'csv' | 'pdf';

export interface ExportedReport {
  /** Handle for report.save / report.open and the browser host's /reports/ID/NAME; the backend keeps the last few reports. */
  id: string;
  format: ReportFormat;
  /**
   * The document for the text formats; for PDF the first page's worth is not
   * text, so this is empty and `pages` says how many pages it has. HTML is
   * self-contained and meant for a sandboxed frame or a file, never innerHTML.
   */
  text: string;
  /** `text` is only the first `preview` characters of the document. */
  textTruncated?: boolean;
  /** A file name to offer when saving it. */
  suggestedName: string;
  mime: string;
  /** Size of the file in bytes. */
  bytes: number;
  /** PDF only: pages printed. */
  pages?: number;
}

export interface SavedReport {
  /** Where the file is (save: null when the user cancelled the dialog). */
  path: string | null;
}

export interface FdLocation {
  pid: number;
  fd: number;
  table: number;
  /** The fd's row in its table (image.fds without a query). */
  position: number;
  record: number;
  file: number;
}

/** A page of the Diff view's rows (diff.view), with the diff's summary. */
export interface DiffView {
  a: ImageSummary;
  b: ImageSummary;
  matching: DiffMatching;
  summary: DiffSummary;
  tables: TableChange[];
  /** Paired processes whose fd limit changed. */
  limits: LimitChange[];
  /** The store's time to compute the diff (when it was computed; later pages come from the kept diff). */
  elapsedMs: number;
  /** Rows carrying each kind of change, before filtering. */
  counts: Record<Change, number>;
  /** Kinds of file among the changed fds. */
  kinds: string[];
  /** Rows before filtering, and after. */
  unfiltered: number;
  total: number;
  offset: number;
  rows: DiffRow[];
}
