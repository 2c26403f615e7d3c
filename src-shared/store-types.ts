/**
 * What the image library (src-main/store) and its queries return, in JSON
 * form: the CLI prints it, reports render it, and the desktop app receives it
 * over IPC or HTTP unchanged. No bigint, no Uint8Array: byte strings are
 * BStrJson (a string when valid UTF-8, {text, hex} otherwise) and 64-bit
 * values above 2^53 are decimal strings, as in model/json.ts. Every `text`
 * field is already escaped for display (displayBStr) and safe to show.
 */
import type { BStrJson } from './model/bstr.js';
import type { FdLimit, SourceKind } from './model/snapshot.js';

/** A 64-bit value in JSON: a number while safe, a decimal string above 2^53. */
export type U64Json = number | string;

/** One image in the library. `id` is the SHA-256 of the image bytes, lowercase hex. */
export interface ImageSummary {
  id: string;
  label: string;
  tags: string[];
  note: string;
  /** Milliseconds since the epoch, from the image header. */
  captureTime: number;
  /** Milliseconds since the epoch, when it entered the library. */
  importedTime: number;
  source: SourceKind;
  host: string;
  arch: string;
  kernelRelease: string;
  frozen: boolean;
  /** Capture options as the header records them (scenario, seed, pids ...). */
  options: Record<string, string>;
  /**
   * What program this image is of, for timelines: the command line of the
   * first process, displayed (escaped). Images with the same `program` form
   * a series.
   */
  program: string;
  taskCount: number;
  fdTableCount: number;
  fdCount: number;
  fileCount: number;
  errorCount: number;
  /** Size of the image file in bytes. */
  size: number;
}

export type ImageSort = 'captureTime' | 'importedTime' | 'label' | 'fdCount' | 'size';

export interface ImageFilter {
  /** Exact label. */
  label?: string;
  /** Images carrying this tag. */
  tag?: string;
  /** Substring of label, note, host, program or id (case-insensitive). */
  text?: string;
  /** Capture time bounds, ms since the epoch, inclusive. */
  since?: number;
  until?: number;
  host?: string;
  program?: string;
  source?: SourceKind;
  sort?: ImageSort;
  /** Default false for captureTime/importedTime (newest first is `desc: true`). */
  desc?: boolean;
  limit?: number;
  offset?: number;
}

/** Result of importing one image. */
export interface ImportResult {
  image: ImageSummary;
  /** The same bytes were already in the library; nothing was written. */
  duplicate: boolean;
  elapsedMs: number;
}

export interface ImportOptions {
  label?: string;
  tags?: string[];
  note?: string;
}

/** Progress callback payload for long imports. */
export interface ImportProgress {
  phase: 'hash' | 'decode' | 'index' | 'done';
  /** Fds indexed so far, and in all (0 until known). */
  done: number;
  total: number;
}

// ---------------------------------------------------------------- search

/** One fd that matched, in one process of one image. */
export interface SearchHit {
  pid: number;
  /** comm of the process, exact and displayed. */
  comm: BStrJson;
  commText: string;
  fd: number;
  kind: string;
  /** How the file reads to a person (describeFile): path, socket endpoints, ... escaped. */
  target: string;
  path: BStrJson;
  /** The open file's ref inside its image (see ImageDetail / snapshot JSON). */
  fileRef: number;
  /** Device and inode of what the fd points at: a file's identity across renames and images. */
  dev: U64Json;
  ino: U64Json;
  flags: number;
  /** "O_RDWR|O_APPEND". */
  flagNames: string;
  pos: U64Json;
  cloexec: boolean;
  deleted: boolean;
  /** The file's size (st_size). */
  size: U64Json;
  /** What it holds of the disk (diskHeld): its allocated blocks x 512 where the image records them (heldAllocated), else its size. */
  held: U64Json;
  heldAllocated: boolean;
  /** The open file is held by fds of more than one process. */
  shared: boolean;
}

export interface SearchGroup {
  image: ImageSummary;
  hits: SearchHit[];
  /** Hits counted in this image; when `truncated`, a lower bound, and only the first ones are in `hits`. */
  hitCount: number;
  truncated: boolean;
}

export interface SearchOptions {
  /** Most hits returned in all (default 1000). */
  limit?: number;
  /** Most hits per image (default 200). */
  perImage?: number;
}

export interface SearchResult {
  query: string;
  /** The query as parsed, normalised (for display and to confirm what was understood). */
  normalized: string;
  groups: SearchGroup[];
  /** Hits returned in all groups. */
  hitCount: number;
  /** More hits exist than were returned. */
  truncated: boolean;
  elapsedMs: number;
}

/**
 * One holder of matching fds across the library: a process (pid, comm)
 * holding one file (target) at one fd number, in one or more images.
 * "Who has this file open, and since when".
 */
export interface Holder extends Pick<SearchHit, 'pid' | 'comm' | 'commText' | 'fd' | 'kind' | 'target' | 'path'> {
  /** Capture times (ms) of the first and last image it was held in. */
  firstSeen: number;
  lastSeen: number;
  /** Images it was held in. */
  images: number;
  /** Images the query covers between firstSeen and lastSeen where it was not held (closed and reopened, or the process restarted under the same pid). */
  gaps: number;
  /**
   * Still held as far as the images the query covers tell: no later one
   * captured its process (by pid, on its host) without it, and no later
   * capture of every process on its host (--all) lacks it. A later image
   * of another series or host is no news of it.
   */
  now: boolean;
  /** The last image it was held in. */
  lastImage: string;
}

export interface HoldersResult {
  query: string;
  normalized: string;
  /**
   * The holders from `offset` on, in the order below, at most the limit
   * asked for (every one when no limit was): a query that matches tens of
   * thousands of fds has as many holders, which nobody reads at once.
   */
  holders: Holder[];
  /** How many holders there are in all. */
  total: number;
  /** Where `holders` starts in the whole list. */
  offset: number;
  /** More holders exist past these (offset + holders.length < total): ask again from a later offset, or with a higher limit. */
  more: boolean;
  /** Images the query covers (its label, tag, image and time terms), and the newest one's capture time. */
  imagesCovered: number;
  newest: number | null;
  /** The search behind it hit its bound: holders are from the newest matches only. */
  truncated: boolean;
  elapsedMs: number;
}

/** A query that cannot be parsed: what is wrong and where (offsets into the query string, end exclusive). */
export interface QueryErrorInfo {
  code: 'query-syntax' | 'query-unknown-field' | 'query-bad-value';
  message: string;
  start: number;
  end: number;
  token: string;
}

// ---------------------------------------------------------------- diff

export type DiffMatching = 'pid' | 'command';

export interface DiffTask {
  pid: number;
  tgid: number;
  comm: BStrJson;
  commText: string;
  /** Command line, displayed. */
  cmdline: string;
  fdCount: number;
}

export interface DiffFd {
  fd: number;
  kind: string;
  target: string;
  path: BStrJson;
  flags: number;
  flagNames: string;
  pos: U64Json;
  cloexec: boolean;
  deleted: boolean;
  fileRef: number;
}

export type DiffField = 'target' | 'state' | 'kind' | 'flags' | 'pos' | 'cloexec' | 'deleted';

export interface FieldChange {
  field: DiffField;
  before: string;
  after: string;
}

export interface FdChange {
  fd: number;
  before: DiffFd;
  after: DiffFd;
  changes: FieldChange[];
  /** For a position that moved: after - before, as a decimal string when beyond 2^53. */
  posDelta?: U64Json;
}

/** An fd whose open file is (or was) also held by other processes' fds. */
export interface SharingChange {
  fd: number;
  target: string;
  /** The fd as it is (unchanged but for the sharing) in the image where the sharing exists. */
  kind: string;
  flagNames: string;
  pos: U64Json;
  cloexec: boolean;
  /**
   * The other holders, as pid:fd in the image where the sharing exists, all
   * of them. The fds of one process on one file share one list (a file leaked
   * by dup() 20,000 times and then shared by a fork has 20,000 such changes).
   */
  with: { pid: number; fd: number }[];
}

/** How many of a sharing change's other holders a line of text names before it counts the rest. */
export const SHARING_WITH_SHOWN = 8;

export interface TaskDiff {
  before: DiffTask;
  after: DiffTask;
  matchedBy: DiffMatching;
  opened: DiffFd[];
  closed: DiffFd[];
  changed: FdChange[];
  sharingStarted: SharingChange[];
  sharingEnded: SharingChange[];
}

export interface TableChange {
  change: 'became-shared' | 'split';
  /** Pids (in image B for became-shared, in image A for split) that share / shared one table. */
  pids: number[];
}

export interface DiffSummary {
  tasksAppeared: number;
  tasksVanished: number;
  tasksChanged: number;
  fdsOpened: number;
  fdsClosed: number;
  fdsChanged: number;
  sharingStarted: number;
  sharingEnded: number;
  tablesBecameShared: number;
  tablesSplit: number;
  /** Paired processes whose RLIMIT_NOFILE (soft or hard) differs, where both images recorded it. */
  fdLimitsChanged: number;
}

/** A process's fd limit, the model's FdLimit (plain JSON already): null soft/hard is unlimited. */
export type FdLimitValue = FdLimit;

/** A paired process whose fd limit changed between the images (setrlimit, prlimit, a new LimitNOFILE= after a restart). */
export interface LimitChange {
  /** The process in image B (its pid in A when paired by command line is `beforePid`). */
  pid: number;
  beforePid: number;
  commText: string;
  fds: number;
  before: FdLimitValue;
  after: FdLimitValue;
}

export interface DiffResult {
  a: ImageSummary;
  b: ImageSummary;
  /** How tasks were paired: by pid, or by command line when pids changed (a restart). */
  matching: DiffMatching;
  summary: DiffSummary;
  appeared: DiffTask[];
  vanished: DiffTask[];
  /** Only tasks with at least one change. */
  tasks: TaskDiff[];
  tables: TableChange[];
  /** fd limits that changed, by pid in B. */
  limits: LimitChange[];
  elapsedMs: number;
}

export interface DiffOptions {
  /** Force a matching; default: by pid, falling back to command when few pids match. */
  matching?: DiffMatching;
}

// ---------------------------------------------------------------- timeline

/** Which images form a series: give one of these. */
export interface TimelineSelector {
  /** Images whose `program` (displayed command line of the first process) equals this. */
  program?: string;
  label?: string;
  tag?: string;
  /** Explicit images (ids or unique prefixes), ordered by capture time. */
  ids?: string[];
}

export interface TimelinePoint {
  time: number;
  imageId: string;
  label: string;
  total: number;
  byKind: Record<string, number>;
  /**
   * The series' process at this capture: the image's first process (the
   * one `program` names), the fds in its table and its RLIMIT_NOFILE. null
   * when the library does not know which process that is (indexed before
   * fd limits were, schema 3). `fdLimit` null: not known (an image before
   * format 1.2, /proc/PID/limits unreadable, indexed before schema 3);
   * `soft`/`hard` null: unlimited.
   */
  process: { pid: number; fds: number; fdLimit: FdLimitValue | null } | null;
}

/**
 * Where the series' process stands against its soft fd limit (of the last
 * point): 'at-limit' when it holds at least that many fds; 'growing' when
 * its fds grow at the fitted rate, with when they would reach it.
 */
export interface LimitProjection {
  state: 'at-limit' | 'growing';
  pid: number;
  /** fds at the last point, and the soft and hard limits then (hard null: unlimited). */
  fds: number;
  soft: number;
  hard: number | null;
  /** Fitted fds per hour over `fitPoints` points ending at the last one (0 when not fitted). */
  perHour: number;
  fitPoints: number;
  /** 'growing': hours from the last capture until `soft` at that rate, and that instant (ms since the epoch). */
  hoursLeft: number | null;
  reachTime: number | null;
  /** One sentence, as the CLI and the app show it. */
  text: string;
}

/**
 * A process of the series' last image against its own soft fd limit: the
 * projection of LimitProjection, fitted to that process's fd counts (a
 * process is one pid running one command line: a pid reused by another
 * command, or a restart under a new pid, is another process).
 */
export interface ProcessLimitProjection extends LimitProjection {
  /** Display text (escaped bytes) of its comm and command line at the last point. */
  commText: string;
  cmdline: string;
  /** Its fds at each point, same order as `points`; null where the series holds no such process (before it started, or its pid ran another command). */
  counts: (number | null)[];
  /** When it reaches its soft limit, for a person: "at it now" or "in about 27 h, around 2026-11-21 16:00 UTC". */
  reaches: string;
}

export interface LeakSuspect {
  /** 'kind': an fd kind; 'path': one path (or socket state/remote); 'prefix': a path family such as /var/log/app.log.* */
  what: 'kind' | 'path' | 'socket' | 'prefix';
  /**
   * Display key: kind name, path, or a socket endpoint: the fixed end of the
   * connections, the remote one of a client's ("tcp CLOSE_WAIT -> 10.0.3.20:5432"),
   * the listener's of accepted ones ("tcp 127.0.0.1:8080 accepted connections in CLOSE_WAIT").
   */
  key: string;
  /** Counts at each point of the series, same order as `points`. */
  counts: number[];
  first: number;
  last: number;
  /** Fds gained per hour over the series (linear fit), and per image. */
  perHour: number;
  perImage: number;
  /** The growth as a person reads it: "3 -> 48 over 4 min (+11/min)" (the fitted rate, in the span's unit). */
  text: string;
  /**
   * Set when this grew until the series' process reached its soft fd limit
   * and stopped there (it could open no more): first, last and the rates are
   * of the growth, from point `from` to point `to` where it peaked (at or
   * soon after `index`, where the limit was reached); `counts` is still the
   * whole series.
   */
  untilLimit?: { from: number; to: number; index: number; time: number; pid: number; soft: number };
}

/**
 * The series' process at its soft fd limit since point `index` (to the last
 * point): `grew` when it was below the limit at point `from` (its first
 * capture in a run of the same pid) and grew into it, false when it was at
 * it from its first capture (no growth seen: not a leak suspect by itself).
 */
export interface LimitReached {
  pid: number;
  soft: number;
  from: number;
  fromFds: number;
  index: number;
  time: number;
  grew: boolean;
  /** "process 5000 grew from 8 to 128 fds and reached its soft limit of 128 at 2026-11-02 06:00 UTC; at it since (370 captures): opens fail with EMFILE" */
  text: string;
}

export interface Timeline {
  selector: TimelineSelector;
  program: string;
  points: TimelinePoint[];
  kinds: string[];
  suspects: LeakSuspect[];
  /** null: no soft limit to project to (unknown, unlimited) or fds not growing. */
  projection: LimitProjection | null;
  /** The series' process has been at its soft fd limit since a point of the series, and from where; null when not at it at the last point. */
  limitReached: LimitReached | null;
  /**
   * Every process of the last image at or heading for its own soft fd limit
   * (the program's process among them), those at it first, then by when they
   * reach it; at most the first 20. Processes whose limit is unknown or
   * unlimited, or whose fds do not grow, are not listed.
   */
  limitProjections: ProcessLimitProjection[];
  /** How many processes had a projection in all: more than `limitProjections` holds when it was cut. */
  limitProjectionCount: number;
  elapsedMs: number;
}

// ---------------------------------------------------------------- verify, export, errors

export interface VerifyProblem {
  imageId: string;
  code: 'missing-bytes' | 'hash-mismatch' | 'undecodable' | 'index-mismatch' | 'orphan-bytes';
  message: string;
}

export interface VerifyReport {
  checked: number;
  ok: number;
  problems: VerifyProblem[];
  integrity: string;
  elapsedMs: number;
}

export type ExportFormat = 'html' | 'md' | 'json' | 'csv';

export type ExportRequest =
  | { what: 'image'; id: string }
  | { what: 'diff'; a: string; b: string; options?: DiffOptions }
  | { what: 'search'; query: string; options?: SearchOptions }
  | { what: 'holders'; query: string }
  | { what: 'timeline'; selector: TimelineSelector };

export type StoreErrorCode =
  'not-found' | 'ambiguous-id' | 'bad-argument' | 'bad-image' | 'corrupt' | 'io' | 'busy' | 'closed' | 'too-large';

/** An error a caller caused, as sent across the API. */
export interface StoreErrorInfo {
  name: 'StoreError' | 'QueryError';
  code: StoreErrorCode | QueryErrorInfo['code'];
  message: string;
  /** For QueryError: offsets of the offending token in the query. */
  start?: number;
  end?: number;
  token?: string;
}
