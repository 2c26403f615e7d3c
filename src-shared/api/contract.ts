/**
 * The one API contract between the UI and the backend, whatever hosts it
 * (Electron IPC or the loopback browser host). Each method names a zod schema
 * for its argument; the backend validates every call against it, so a bad
 * argument is an `ApiError` with code "bad-argument", never a crash. Results
 * are plain JSON (bigints as decimal strings, raw bytes as {text, hex}), so
 * both transports carry them unchanged.
 *
 * Method names are "area.verb". Areas reserved for views that come later
 * (diff, search, timeline, reports) get their methods here too, so every host
 * registers them by iterating this table.
 */
import { z } from 'zod';
import type { Json } from '../model/json.js';
import type * as R from './results.js';
import { SEARCH_QUERY_MAX, TAG_CHARS_MAX, TAG_RE, TAGS_MAX, type METHOD_LIST } from './methods.js';
import type { DiffResult, HoldersResult, SearchResult, Timeline } from '../store-types.js';
import { CHANGE_IDS } from './diff-rows.js';
import { NS_TYPES } from '../model/namespaces.js';
import { commProblem, UID_MAX } from '../model/proc-select.js';

const id = z.string().min(1).max(200);
/** A built report's handle: 32 hex digits, random per report. */
const reportId = z.string().regex(/^[0-9a-f]{32}$/, 'a report id from report.export');
const label = z.string().max(500);
const tag = z.string().regex(TAG_RE, `a tag is 1-${TAG_CHARS_MAX} characters without spaces or commas`);
const int = (min = 0, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);
/** A page of a long list: offset and limit, bounded so no answer is unbounded. */
const page = { offset: int(0), limit: int(1, 5000) };
/** A query of docs/search.md, one bound for every method taking one, so a query the hit list accepts the holders table accepts too. */
const searchQuery = z.string().min(1).max(SEARCH_QUERY_MAX);

const simCapture = z.strictObject({
  source: z.literal('sim'),
  scenario: z.string().min(1).max(100),
  seed: int(0, 2 ** 31).optional(),
  step: int(0, 1_000_000).optional(),
  processes: int(1, 100_000).optional(),
  fds: int(0, 1_000_000).optional(),
  label: label.optional(),
  /** Chosen by the caller so it can match progress events to this capture. */
  captureId: z.string().min(1).max(100).optional(),
});

const uidRange = `a uid is 0 to ${UID_MAX}`;
/** A user as `ckpt capture --user` takes one: a uid, or a name the backend looks up in /etc/passwd (digits are a uid). */
const procUser = z.union(
  [
    z.number().int(uidRange).min(0, uidRange).max(UID_MAX, uidRange),
    z
      .string()
      .min(1, 'an empty user name')
      .max(256)
      .regex(/^[^:,\n]+$/, 'a user name has no ":", "," or line break'),
  ],
  { error: 'a uid or a user name' },
);

/** A comm pattern as `ckpt capture --comm` takes one: NAME, or NAME* for the names that start with NAME. */
const procComm = z
  .string()
  .max(256)
  .superRefine((c, ctx) => {
    const why = commProblem(c);
    if (why) ctx.addIssue({ code: 'custom', message: why });
  });

/**
 * A live capture selects its processes one way: by pids (with their
 * descendants, with `tree`), or by what they are, any of a cgroup, one
 * process's namespace, users and names (several given: the processes every
 * one takes), as `ckpt capture --cgroup/--ns/--user/--comm` do. A mixture
 * would leave the caller guessing which one won.
 */
const procCapture = z
  .strictObject({
    source: z.literal('proc'),
    pids: z
      .array(int(1, 2 ** 22))
      .min(1)
      .max(100_000)
      .optional(),
    /** Every process in this cgroup or below it, as /proc/PID/cgroup names it (any hierarchy). */
    cgroup: z.string().max(4096).startsWith('/', 'a cgroup path as /proc/PID/cgroup shows it, starting with /').optional(),
    /** Every process in the `type` namespace of process `of`, it included. */
    ns: z.strictObject({ type: z.enum(NS_TYPES), of: int(1, 2 ** 22) }).optional(),
    /** Every process whose real uid is one of these (lsof -u); a name /etc/passwd does not know is a bad-argument naming it. */
    user: z.array(procUser).min(1).max(100).optional(),
    /** Every process whose comm is one of these, compared as UTF-8 bytes; NAME* for a prefix (lsof -c). */
    comm: z.array(procComm).min(1).max(100).optional(),
    /** Include each picked process's descendants. */
    tree: z.boolean().default(false),
    /** Stop the processes for a consistent cut while reading them. */
    freeze: z.boolean().default(false),
    label: label.optional(),
    captureId: z.string().min(1).max(100).optional(),
  })
  .superRefine((a, ctx) => {
    const bySelector = a.cgroup !== undefined || a.ns !== undefined || a.user !== undefined || a.comm !== undefined;
    if (a.pids !== undefined && bySelector)
      ctx.addIssue({ code: 'custom', path: ['pids'], message: 'select by pids or by cgroup/ns/user/comm, not both' });
    else if (a.pids === undefined && !bySelector)
      ctx.addIssue({ code: 'custom', path: ['pids'], message: 'say which processes: pids, or any of cgroup, ns, user and comm' });
    if (bySelector && a.tree)
      ctx.addIssue({
        code: 'custom',
        path: ['tree'],
        message: 'tree applies to pids; cgroup, ns, user and comm select the processes themselves',
      });
  });

/** Which images form a series: exactly one of program, label, tag or ids. */
const timelineSelector = z
  .strictObject({
    program: z.string().min(1).max(4000).optional(),
    label: z.string().min(1).max(500).optional(),
    tag: tag.optional(),
    ids: z.array(id).min(1).max(10_000).optional(),
  })
  .refine(
    (s) => [s.program, s.label, s.tag, s.ids].filter((x) => x !== undefined).length === 1,
    'give exactly one of program, label, tag or ids',
  );

export const METHODS = {
  'app.info': { args: z.strictObject({}), result: null as unknown as R.AppInfo },

  /** Newest capture first; a first page (limit) lets a large library paint before all of it arrives. */
  'library.list': {
    args: z.strictObject({
      limit: int(1, 1_000_000).optional(),
      offset: int(0).optional(),
      /** Only the images of this program (a series), e.g. to find the capture before one. */
      program: z.string().min(1).max(4000).optional(),
    }),
    result: null as unknown as R.LibraryList,
  },
  /** Import image bytes (a dropped or picked .ckpt file). `data` is base64. */
  'library.import': {
    args: z.strictObject({
      name: z.string().min(1).max(255),
      data: z
        .string()
        .max(500 * 1024 * 1024)
        .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64'),
    }),
    result: null as unknown as R.ImageSummary,
  },
  'library.setLabel': { args: z.strictObject({ id, label }), result: null as unknown as R.ImageSummary },
  'library.setTags': { args: z.strictObject({ id, tags: z.array(tag).max(TAGS_MAX) }), result: null as unknown as R.ImageSummary },
  'library.setNote': { args: z.strictObject({ id, note: z.string().max(100_000) }), result: null as unknown as R.ImageSummary },
  'library.delete': { args: z.strictObject({ ids: z.array(id).min(1).max(100_000) }), result: null as unknown as { deleted: number } },

  'capture.scenarios': { args: z.strictObject({}), result: null as unknown as R.Scenario[] },
  'capture.processes': { args: z.strictObject({}), result: null as unknown as R.ProcessList },
  'capture.run': { args: z.discriminatedUnion('source', [simCapture, procCapture]), result: null as unknown as R.CaptureResult },

  'image.open': { args: z.strictObject({ id }), result: null as unknown as R.ImageOverview },
  /** How near the image's processes, users and machine were to the limits behind "too many open files". */
  'image.limits': { args: z.strictObject({ id }), result: null as unknown as R.ImageLimits },
  'image.task': { args: z.strictObject({ id, pid: int(0, 0x7fffffff) }), result: null as unknown as R.TaskDetail },
  /** A page of one fd table; `query` keeps the fds whose number, kind, target or O_ flag matches. */
  'image.fds': {
    args: z.strictObject({ id, table: int(1, 0x7fffffff), ...page, query: z.string().max(200).optional() }),
    result: null as unknown as R.Page<R.FdRow>,
  },
  /** Where a (pid, fd) sits: the task's fd table, the fd's row in it and its FILE_DESC record (to jump there from a search hit or a diff). */
  'image.locate': {
    args: z.strictObject({ id, pid: int(0, 0x7fffffff), fd: int(0, 0x7fffffff) }),
    result: null as unknown as R.FdLocation,
  },
  /** One open file, its first FILE_HOLDERS_FIRST holders and how many there are in all. */
  'image.file': { args: z.strictObject({ id, ref: int(1, 0x7fffffff) }), result: null as unknown as R.FileDetail },
  /** A page of every (pid, fd) holding an open file, in image.file's order ("Show all" in the open file pane). */
  'image.holders': { args: z.strictObject({ id, ref: int(1, 0x7fffffff), ...page }), result: null as unknown as R.Page<R.FileHolder> },
  'image.records': { args: z.strictObject({ id, ...page }), result: null as unknown as R.Page<R.RecordRow> },
  'image.recordBytes': { args: z.strictObject({ id, index: int(0) }), result: null as unknown as R.RecordBytes },
  'image.close': { args: z.strictObject({ id }), result: null as unknown as { closed: boolean } },

  // The queries behind the Search, Diff, Timeline and Reports views (served
  // now, so those views only add UI): thin, validated doors to the store.
  /** A search across the library (docs/search.md); a query that cannot be parsed is bad-argument with the token's offsets. */
  'search.run': {
    args: z.strictObject({ query: searchQuery, limit: int(1, 100_000).optional(), perImage: int(1, 100_000).optional() }),
    result: null as unknown as SearchResult,
  },
  /**
   * "Who has it open, and since when": the fds the query matches folded
   * across images into holders (Store.holders, as `ckpt search --holders`),
   * errors as search.run's. The store folds up to its own bound and says
   * `truncated` past it; the answer holds `total` holders in all and `limit`
   * of them (default SEARCH_HOLDERS_FIRST, methods.ts) from `offset`, `more`
   * when others follow: ask again with a later offset for the next page (the
   * host keeps the last folds, so a page does not fold again).
   */
  'search.holders': {
    args: z.strictObject({ query: searchQuery, offset: int(0).optional(), limit: int(1, 5000).optional() }),
    result: null as unknown as HoldersResult,
  },
  'diff.run': {
    args: z.strictObject({ a: id, b: id, matching: z.enum(['pid', 'command']).optional() }),
    result: null as unknown as DiffResult,
  },
  /**
   * The Diff view's rows a page at a time: the diff is computed once and kept
   * (the last two), its rows filtered by kinds of change and of file, so a
   * diff of 100,000 changed fds reaches the screen without sending them all.
   */
  'diff.view': {
    args: z.strictObject({
      a: id,
      b: id,
      matching: z.enum(['pid', 'command']).optional(),
      changes: z.array(z.enum(CHANGE_IDS)).max(CHANGE_IDS.length).optional(),
      kind: z.string().min(1).max(100).optional(),
      /** Each changed process's whole fd tables, unchanged fds as context rows. */
      whole: z.boolean().optional(),
      ...page,
    }),
    result: null as unknown as R.DiffView,
  },
  'timeline.get': { args: timelineSelector, result: null as unknown as Timeline },
  /** A self-contained document of an image, diff, search or timeline; PDF is the HTML printed by Chromium (browser host) or Electron. */
  'report.export': {
    args: z.strictObject({
      request: z.discriminatedUnion('what', [
        z.strictObject({ what: z.literal('image'), id }),
        z.strictObject({ what: z.literal('diff'), a: id, b: id, matching: z.enum(['pid', 'command']).optional() }),
        z.strictObject({ what: z.literal('search'), query: searchQuery }),
        z.strictObject({ what: z.literal('holders'), query: searchQuery }),
        z.strictObject({ what: z.literal('timeline'), selector: timelineSelector }),
      ]),
      format: z.enum(['html', 'md', 'json', 'csv', 'pdf']),
      /** Characters of the document to send back for a preview (default all); the file itself is always whole. */
      preview: int(0, 1_000_000_000).optional(),
    }),
    result: null as unknown as R.ExportedReport,
  },
  /**
   * Saves a report built by report.export where the user chooses (Electron's
   * save dialog). The browser host saves by download instead (GET
   * /reports/ID/NAME?download=1) and answers this with unavailable.
   */
  'report.save': { args: z.strictObject({ id: reportId }), result: null as unknown as R.SavedReport },
  /** Opens a built report with the system's viewer (Electron: the saved file, else a temporary copy). Browser host: GET /reports/ID/NAME in a new tab. */
  'report.open': { args: z.strictObject({ id: reportId }), result: null as unknown as R.SavedReport },
} as const;

export type MethodName = keyof typeof METHODS;
export type Args<M extends MethodName> = z.input<(typeof METHODS)[M]['args']>;
export type ParsedArgs<M extends MethodName> = z.output<(typeof METHODS)[M]['args']>;
export type Result<M extends MethodName> = (typeof METHODS)[M]['result'];
export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];

// The schema-free list the preload uses must name exactly these methods.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _listMatches: Same<MethodName, (typeof METHOD_LIST)[number]> = true;
void _listMatches;

export function isMethodName(s: unknown): s is MethodName {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(METHODS, s);
}

/** Events the backend pushes to every window. */
export type ApiEvent =
  | { type: 'capture.progress'; captureId: string; phase: string; done: number; total: number }
  /** `external`: another process changed the library (ids not known); views reload. */
  | { type: 'library.changed'; reason: 'import' | 'capture' | 'update' | 'delete' | 'external'; ids: string[] }
  /** The desktop app was asked to open an image (a .ckpt file opened from the file manager). */
  | { type: 'app.open'; id: string };

export type ApiErrorCode =
  'bad-argument' | 'unknown-method' | 'not-found' | 'image-error' | 'store-error' | 'capture-error' | 'unavailable' | 'internal';

/** What every failed call returns, on either transport. */
export interface ApiErrorShape {
  code: ApiErrorCode;
  message: string;
  /** Extra facts a person can act on (the image error's offset, the bad argument's path). */
  details?: { [k: string]: Json };
}

export class ApiError extends Error implements ApiErrorShape {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: { [k: string]: Json },
  ) {
    super(message);
  }
  toJSON(): ApiErrorShape {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}

/** The wire envelope of a reply. */
export type Reply<T> = { ok: true; result: T } | { ok: false; error: ApiErrorShape };

/** Validates an argument; the message names the field and what was wrong with it. */
export function parseArgs<M extends MethodName>(method: M, raw: unknown): ParsedArgs<M> {
  const r = METHODS[method].args.safeParse(raw === undefined ? {} : raw);
  if (r.success) return r.data as ParsedArgs<M>;
  const issues = r.error.issues.slice(0, 5).map((i) => `${i.path.length ? i.path.join('.') : 'argument'}: ${i.message}`);
  throw new ApiError('bad-argument', `${method}: ${issues.join('; ')}`, { issues: issues });
}

/** The typed client both hosts' renderers use: one function per method. */
export type ApiClient = { [M in MethodName]: (args: Args<M>) => Promise<Result<M>> };
