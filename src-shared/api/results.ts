/**
 * Result types of the API contract. Everything is plain JSON: 64-bit values
 * arrive as number or decimal string (U64Json), byte strings as BStrJson, so
 * the UI displays exactly what the model holds and never rounds an inode.
 */
import type { BStrJson } from '../model/bstr.js';
import type { Json } from '../model/json.js';
import type { ImageHeader } from '../model/snapshot.js';
import type { DiffMatching, DiffSummary, ImageSummary, TableChange } from '../store-types.js';
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
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  comm: string;
  user: string;
  uid: number;
  /** Open fds, or null when /proc/PID/fd cannot be read. */
  fdCount: number | null;
  cmdline: string;
}

export interface ProcessList {
  processes: ProcessInfo[];
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
}

export interface TaskDetail extends TaskRow {
  gid: number;
  cmdline: BStrJson[];
  cwd: BStrJson;
  root: BStrJson;
  namespaces: { type: string; ino: U64Json }[];
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

export interface ImageOverview {
  summary: ImageSummary;
  /** The image's header as the model has it (all plain JSON already). */
  header: ImageHeader;
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
  /** Every fd in every process that holds this open file. */
  holders: { pid: number; comm: BStrJson; fd: number; table: number; cloexec: boolean; position: number; record: number }[];
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
