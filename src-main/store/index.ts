/**
 * The image library: one SQLite database plus content-addressed image files
 * under a home directory shared by the CLI and the desktop app. This class
 * is the whole public API; the app and the CLI call nothing else in
 * src-main/store or src-main/query. Every method is synchronous (better-
 * sqlite3), returns JSON-able values from src-shared/store-types.ts, and
 * throws StoreError / QueryError for anything a caller can get wrong.
 */
import { withLockHolders } from './lock-holders.js';
import type {
  DiffOptions,
  ExportFormat,
  ExportRequest,
  ImageFilter,
  ImageSummary,
  ImportOptions,
  ImportProgress,
  ImportResult,
  SearchOptions,
  SearchResult,
  HoldersResult,
  Timeline,
  TimelineSelector,
  VerifyReport,
} from '../../src-shared/store-types.js';
import type { Snapshot } from '../../src-shared/model/index.js';
import { bstrFromJson, displayBStr, type BStrJson } from '../../src-shared/model/index.js';
import { TAG_CHARS_MAX, TAG_RE } from '../../src-shared/api/methods.js';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { basename, join } from 'node:path';
import { cannotOpenText, directoryText } from '../util/open-error.js';
import { decodeImage } from '../engine/reader.js';
import { ImageError } from '../engine/errors.js';
import { imageDigests } from '../engine/record-scanner.js';
import { StoreError, quoted } from './errors.js';
import { busyTimeoutMs, isImmutable, libraryState, openDatabase, type DB } from './db.js';
import { Blobs, sha256, unlinkQuiet } from './blobs.js';
import { Interner, fromDb } from './intern.js';
import { Indexer, programOf, programTask, type Collected } from './ingest.js';
import { countImages, listImages, resolveImage, toSummary, type ImageRow } from './images.js';
import type { LibraryContext, SocketAttrs } from './context.js';
import { verifyLibrary } from './verify.js';
import { unpack } from './fdpack.js';
import { SCHEMA_IMAGE_ATTRS, SCHEMA_UNLINKS } from './schema.js';
import { runSearch } from '../query/search.js';
import { runHolders } from '../query/holders.js';
import { runDiff } from '../query/diff.js';
import type { LazyDiff } from '../query/diff-result.js';
import { runTimeline } from '../query/timeline.js';
import { renderExport, renderExportPieces } from '../report/index.js';
import { batched } from '../report/json-pieces.js';

export { StoreError, QueryError } from './errors.js';
export { resolveHome, type HomeOptions } from './home.js';
export { sha256 } from './blobs.js';

export interface OpenOptions {
  /** Open without creating or migrating; fails with not-found when there is no library. */
  readonly?: boolean;
  /** false: fail with not-found when there is no library, instead of creating one (a command that only reads, or changes images that must exist). */
  create?: boolean;
  /** The better-sqlite3 addon file to load (db.ts); default: the package's own. */
  nativeBinding?: string;
  /**
   * false: skip the repair of leftovers (recover()). For the import worker,
   * which opens the library while its host's connection is in use: it runs
   * in the host's process, so recover() would take the host's own temporary
   * files (named by pid) for a dead import's and remove them.
   */
  recover?: boolean;
  /**
   * Where the repair says, in one line, that it kept image files no row
   * names (Store.orphans); default: standard error, as `ckpt: ...`.
   */
  notice?: (text: string) => void;
}

const MAX_LABEL = 200;
/** A Store's copies of database content (string table, socket attrs, per-image id sets), refilled on demand. */
function emptyCache() {
  return {
    strIds: [] as number[],
    strTexts: [] as string[],
    strShown: new Map<number, string>(),
    strMax: 0,
    pathSets: new Map<number, { sha: string; ids: Int32Array }>(),
    attrSets: new Map<number, { sha: string; pairs: Int32Array | null }>(),
    sockets: emptySockets() as SocketAttrs,
    socketMax: 0,
  };
}

/** Reads of an immutable connection tried this many times while the library keeps changing under them. */
const READ_ATTEMPTS = 5;
const MAX_NOTE = 10_000;

export class Store implements LibraryContext {
  private _db: DB | null;
  /** Replaced with the connection when an immutable one is reopened (read()). */
  strings: Interner;
  attrs: Interner;
  private readonly blobs: Blobs;
  private _indexer: Indexer | null = null;
  /**
   * The schema version of the database as opened. A library opened
   * read-only is never migrated, so it may be older than MIGRATIONS; the
   * columns a later migration added read as NULL there (db.ts).
   */
  schema: number;
  /**
   * Image files under images/ that no row names and no delete meant to
   * remove, as the last recover() found them: kept where they are (an
   * empty, missing or older library.db has no rows for images whose files
   * are still the only copy). `ckpt import` of the files brings them back.
   */
  orphans: string[] = [];
  /** What is read from the database and kept: reopen() replaces it whole. */
  private cache = emptyCache();

  /**
   * For an immutable connection (db.ts: a library this user cannot write,
   * closed by its owner): libraryState() as it was when it was opened; null
   * when it must be reopened before the next read. null for every other
   * connection, which SQLite keeps consistent by itself.
   */
  private dbState: string | null;
  private immutable: boolean;
  /** > 0 inside a public read: nested ones (export calling search) join it. */
  private readDepth = 0;
  private closed = false;

  /**
   * Why this store cannot change the library (null: it can): opened
   * read-only, or the library is one this user may read but not write (a
   * shared one owned by root), which opens read-only by itself.
   */
  readonly readOnlyReason: string | null;

  private constructor(
    readonly home: string,
    db: DB,
    readOnlyReason: string | null,
    state: string,
    private readonly nativeBinding?: string,
  ) {
    this.readOnlyReason = readOnlyReason;
    this._db = db;
    this.immutable = isImmutable(db);
    this.dbState = this.immutable ? state : null;
    this.blobs = new Blobs(home);
    this.strings = new Interner(db);
    this.attrs = new Interner(db, 'attrs');
    this.schema = db.pragma('user_version', { simple: true }) as number;
  }

  /** Made on first import: its statements insert into tasks and images, which an old library opened read-only has as views (db.ts). */
  private get indexer(): Indexer {
    return (this._indexer ??= new Indexer(this.db, this.strings, this.attrs));
  }

  get db(): DB {
    if (!this._db || this.closed) throw new StoreError('closed', 'the library is closed');
    return this._db;
  }

  /**
   * Whether this store reads the library as an immutable file (db.ts: one
   * this user cannot write, closed by its owner when it was last opened).
   * Such reads are checked against the file and read again when it changed
   * (read()); false once the owner's -wal is used.
   */
  get readsImmutable(): boolean {
    return this.immutable && !this.closed;
  }

  /**
   * Runs one public read operation as one consistent read: a read
   * transaction (WAL gives it one snapshot, taken at its first read), so a
   * commit landing between its statements is not half seen. Nested reads
   * (export calling search) join the outer one.
   *
   * On an immutable connection SQLite sees no commit at all and a
   * checkpoint of the owner's can tear its reads (pages of two states,
   * "database disk image is malformed"), so there the file's state is
   * taken before and after: a change since the connection was opened
   * reopens it first (this store then sees the owner's later changes,
   * through the owner's -wal when it is open now); a change during the read
   * throws the result away, error or not, and reads again, at most
   * READ_ATTEMPTS times, then fails with busy: "the library changed while
   * it was read; try again". A result is only ever one state the library had.
   */
  private read<T>(fn: () => T): T {
    const db = this.db;
    if (this.readDepth > 0) return fn();
    this.readDepth++;
    try {
      if (!this.immutable)
        try {
          return inSnapshot(db, fn);
        } catch (e) {
          // Damaged pages: a finding about the library, named as one, not an internal error.
          if (e instanceof StoreError || !isTornRead(e)) throw e;
          throw new StoreError(
            'corrupt',
            `the library database ${join(this.home, 'library.db')} is damaged: ${(e as Error).message} (ckpt verify --all reports where)`,
          );
        }
      return this.readImmutable(fn);
    } finally {
      this.readDepth--;
    }
  }

  private readImmutable<T>(fn: () => T): T {
    const file = join(this.home, 'library.db');
    for (let attempt = 1; ; attempt++) {
      const before = libraryState(file);
      let out: T | undefined;
      let failed: unknown = null;
      try {
        if (this.dbState === null || before !== this.dbState) this.reopen(before);
        out = inSnapshot(this.db, fn);
        // Reopened through the owner's -wal: SQLite keeps that one consistent itself.
        if (!this.immutable) return out;
      } catch (e) {
        failed = e ?? new Error('read failed');
        if (!this.immutable && this.dbState === null && !isTornRead(e)) throw e;
      }
      const after = libraryState(file);
      if (after !== '' && after === before && !(failed && isTornRead(failed))) {
        if (failed) throw failed;
        return out as T;
      }
      // Changed (or torn while it looked unchanged): read it again from a new connection.
      this.dbState = null;
      if (attempt >= READ_ATTEMPTS) {
        if (after !== '' && after === before && failed)
          throw new StoreError('corrupt', `the library database cannot be read: ${(failed as Error).message}`);
        throw new StoreError('busy', `the library ${this.home} changed while it was read; try again`);
      }
      sleepMs(10 * attempt);
    }
  }

  /** A new connection for an immutable one whose file changed: every cache read from the old one is dropped. */
  private reopen(state: string): void {
    // Until the new connection and empty caches are all in place, the next
    // read must reopen again: a failure midway leaves nothing half-swapped.
    this.dbState = null;
    const db = openDatabase(join(this.home, 'library.db'), true, this.nativeBinding);
    try {
      this._db?.close();
    } catch {
      /* the new connection replaces it either way */
    }
    this._db = db;
    this.immutable = isImmutable(db);
    this.strings = new Interner(db);
    this.attrs = new Interner(db, 'attrs');
    this.schema = db.pragma('user_version', { simple: true }) as number;
    this.cache = emptyCache();
    this.dbState = this.immutable ? state : null;
  }

  /**
   * Opens (creating when needed) the library in `home`: runs pending schema
   * migrations, turns on WAL and foreign keys, and removes what an import
   * killed midway left behind (temporary files, image files no row names).
   */
  static open(home: string, opts: OpenOptions = {}): Store {
    if (typeof home !== 'string' || home === '') throw new StoreError('bad-argument', 'the library home directory is required');
    const dbFile = join(home, 'library.db');
    const exists = existsSync(dbFile);
    if ((opts.readonly || opts.create === false) && !exists) throw new StoreError('not-found', `no library in ${home}`);
    // Every command opens a library it can read, even when it may not write it
    // (list, search, show, diff, timeline, export, verify); only the ones that
    // change it fail, saying which permission is missing (mustWrite).
    // The first of the library's paths this user cannot write (null: none, or no library yet).
    const unwritablePath = exists ? unwritable(home) : null;
    const denied = opts.readonly ? null : unwritablePath;
    const readonly = Boolean(opts.readonly) || denied !== null;
    if (!exists)
      try {
        mkdirSync(home, { recursive: true });
      } catch (e) {
        throw new StoreError('io', `cannot create the library directory ${home}: ${(e as Error).message}`);
      }
    const reason = denied ? denied.why : readonly ? 'it was opened read-only' : null;
    // Only a directory this user cannot write can make db.ts fall back to an immutable connection.
    const mayBeImmutable = readonly && unwritablePath?.path === home;
    let db: DB;
    let state = '';
    for (let attempt = 1; ; attempt++) {
      state = mayBeImmutable ? libraryState(dbFile) : '';
      try {
        db = openDatabase(dbFile, readonly, opts.nativeBinding);
        break;
      } catch (e) {
        // An immutable open reads the schema too, and may meet a checkpoint of the owner's.
        if (!mayBeImmutable || attempt >= READ_ATTEMPTS || libraryState(dbFile) === state) throw e;
      }
    }
    const store = new Store(home, db, reason, state, opts.nativeBinding);
    if (!readonly && opts.recover !== false) {
      const notice = opts.notice ?? ((t: string) => process.stderr.write(`ckpt: ${t}\n`));
      try {
        // A repair is optional: when another process holds the write lock
        // (a capture --every storing, an import), skip it rather than wait
        // SQLite's 30 s before the command's own work waits again.
        db.pragma('busy_timeout = 0');
        try {
          store.recover();
        } catch (e) {
          if (!/^SQLITE_BUSY/.test(String((e as { code?: unknown }).code ?? ''))) throw e;
        } finally {
          db.pragma(`busy_timeout = ${busyTimeoutMs()}`);
        }
      } catch (e) {
        // Damaged pages: repair nothing (it removes nothing it cannot read a
        // reason for) and open anyway, so verify --all can report the damage.
        if (!isTornRead(e)) {
          store.close();
          throw e;
        }
        notice(`the library database ${dbFile} is damaged (${(e as Error).message}); nothing repaired; see ckpt verify --all`);
      }
      const fresh = unnoticedOrphans(store);
      if (fresh.length) notice(orphanNotice(store, fresh.length));
    }
    return store;
  }

  /**
   * Makes rows and files agree after a crash. Imports commit their rows
   * before renaming the fsync'd temporary copy into place, so a temporary
   * file whose image has a row but no file is finished; any other temporary
   * file of a dead process is removed (an import that never committed: its
   * source is the other copy), and so is an image file a delete recorded in
   * unlinks in its transaction but was killed before removing. Any other
   * image file no row names is kept where it is and listed in `orphans`:
   * nothing proves the library meant to delete it (library.db emptied,
   * lost or restored from an older backup).
   *
   * Also called by the host after its import worker died or was stopped
   * mid-import: only then, when no import of this process is running, since
   * this process's own temporary files count as a dead import's.
   */
  recover(): void {
    // Files first, rows second: another process's import that commits and
    // renames its file into place between the two reads then has its row
    // read too; read the other way round, its file would look like no
    // row's and be removed.
    const files = this.blobs.list();
    // Rows and recorded unlinks from one snapshot: a delete commits both at once.
    const [known, unlinks] = inSnapshot(this.db, () => [
      new Set(this.db.prepare('SELECT sha256 FROM images').pluck().all() as string[]),
      new Set(this.schema >= SCHEMA_UNLINKS ? (this.db.prepare('SELECT sha256 FROM unlinks').pluck().all() as string[]) : ([] as string[])),
    ]);
    for (const t of this.blobs.temps()) {
      if (t.alive) continue;
      if (t.sha && known.has(t.sha) && !files.has(t.sha)) {
        this.blobs.publish(t.path, t.sha);
        files.set(t.sha, statSync(this.blobs.path(t.sha)).size);
      } else unlinkQuiet(t.path);
    }
    const busy = new Set(
      this.blobs
        .temps()
        .filter((t) => t.alive)
        .map((t) => t.sha),
    );
    const orphans: string[] = [];
    for (const sha of files.keys()) {
      if (known.has(sha) || busy.has(sha)) continue;
      if (unlinks.has(sha)) this.blobs.remove(sha);
      else orphans.push(this.blobs.path(sha));
    }
    this.orphans = orphans.sort();
    // Entries whose file is gone, or whose image was imported again since.
    if (unlinks.size) {
      const done = this.db.prepare('DELETE FROM unlinks WHERE sha256 = ?');
      const present = this.blobs.list();
      this.db.transaction(() => {
        for (const sha of unlinks) if (!present.has(sha) || known.has(sha)) done.run(sha);
      })();
    }
  }

  resolve(ref: string): ImageRow {
    return resolveImage(this.db, ref);
  }

  /** Refuses a change to a library this store may only read, naming what is missing. */
  private mustWrite(what: string): void {
    if (this.readOnlyReason !== null)
      throw new StoreError('io', `cannot ${what}: the library ${this.home} is read-only here: ${this.readOnlyReason}`);
  }

  /** `fn`, a change of the library: SQLite's "database is locked" said as a busy library, naming who holds it. */
  private writing<T>(what: string, fn: () => T): T {
    this.mustWrite(what);
    try {
      return fn();
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (!/^SQLITE_BUSY/.test(String(code ?? ''))) throw e;
      throw new StoreError(
        'busy',
        `cannot ${what}: ${withLockHolders(`the library ${this.home} is locked by another process`, code, join(this.home, 'library.db'))}`,
      );
    }
  }

  stringTable(): { ids: number[]; texts: string[]; shown: Map<number, string> } {
    const rows = this.db.prepare('SELECT id, b FROM strs WHERE id > ? ORDER BY id').raw().all(this.cache.strMax) as [
      number,
      string | Buffer,
    ][];
    for (const [id, b] of rows) {
      if (typeof b === 'string') {
        const shown = displayBStr(b);
        if (shown !== b) this.cache.strShown.set(this.cache.strTexts.length, shown);
        this.cache.strTexts.push(b);
      } else this.cache.strTexts.push(displayBStr(fromDb(b)));
      this.cache.strIds.push(id);
      this.cache.strMax = id;
    }
    return { ids: this.cache.strIds, texts: this.cache.strTexts, shown: this.cache.strShown };
  }

  socketAttrs(): SocketAttrs {
    // Both socket kinds have a state; instr() skips epoll watch lists,
    // eventfd counters and the like without parsing them.
    const rows = this.db
      .prepare(`SELECT id, b FROM attrs WHERE id > ? AND instr(b, '"state":') > 0 ORDER BY id`)
      .raw()
      .all(this.cache.socketMax) as [number, string][];
    const { inet, unix } = this.cache.sockets;
    for (const [id, b] of rows) {
      this.cache.socketMax = id;
      let a: Record<string, unknown>;
      try {
        a = JSON.parse(b) as Record<string, unknown>;
      } catch {
        continue;
      }
      const text = (v: unknown): string =>
        typeof v === 'string' ? v : v && typeof v === 'object' ? displayBStr(bstrFromJson(v as BStrJson)) : '';
      if (typeof a.localPort === 'number') {
        inet.ids.push(id);
        inet.state.push(text(a.state));
        inet.lport.push(a.localPort);
        inet.rport.push(typeof a.remotePort === 'number' ? a.remotePort : 0);
        inet.laddr.push(text(a.localAddr));
        inet.raddr.push(text(a.remoteAddr));
      } else if ('peer' in a && 'name' in a) {
        const name = typeof a.name === 'string' ? displayBStr(a.name) : text(a.name);
        unix.ids.push(id);
        unix.state.push(text(a.state));
        unix.name.push(name);
        unix.raw.push(typeof a.name === 'string' && a.name !== name ? a.name : null);
      }
    }
    return this.cache.sockets;
  }

  imagePaths(imageId: number, sha: string): Int32Array {
    const got = this.cache.pathSets.get(imageId);
    if (got && got.sha === sha) return got.ids;
    const b = this.db.prepare('SELECT ids FROM image_paths WHERE image_id = ?').pluck().get(imageId) as Buffer | undefined;
    const ids = b ? unpack(b) : new Int32Array(0);
    this.cache.pathSets.set(imageId, { sha, ids });
    return ids;
  }

  imageAttrs(imageId: number, sha: string): Int32Array | null {
    // A read-only library from before schema 4 has no image_attrs: its images are scanned.
    if (this.schema < SCHEMA_IMAGE_ATTRS) return null;
    const got = this.cache.attrSets.get(imageId);
    if (got && got.sha === sha) return got.pairs;
    const b = this.db.prepare('SELECT pairs FROM image_attrs WHERE image_id = ?').pluck().get(imageId) as Buffer | undefined;
    const pairs = b ? unpack(b) : null;
    this.cache.attrSets.set(imageId, { sha, pairs });
    return pairs;
  }

  /** Images matching the filter, newest capture first by default. */
  listImages(filter: ImageFilter = {}): ImageSummary[] {
    return this.read(() => listImages(this.db, filter));
  }

  /** Number of images matching the filter (ignores limit/offset). */
  countImages(filter: ImageFilter = {}): number {
    return this.read(() => countImages(this.db, filter));
  }

  /** The fds of every image in the library together. */
  /** SQLite's data_version: it moves when another connection (another process, a worker) commits to the library. */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  fdCount(): number {
    return this.read(() => this.db.prepare('SELECT coalesce(sum(n_fds), 0) FROM images').pluck().get() as number);
  }

  /**
   * One image by full id, exact label (the newest capture with it), or
   * unique id prefix (2+ hex digits), tried in that order.
   * not-found / ambiguous-id otherwise.
   */
  getImage(idOrPrefix: string): ImageSummary {
    return this.read(() => toSummary(this.resolve(idOrPrefix)));
  }

  /** The stored bytes of an image, checked against its id. */
  getBytes(idOrPrefix: string): Buffer {
    const row = this.read(() => this.resolve(idOrPrefix));
    let bytes: Buffer;
    try {
      bytes = this.blobs.read(row.sha256); // also while an import publishes it
    } catch (e) {
      throw new StoreError(
        'corrupt',
        `image ${row.sha256.slice(0, 12)}: its bytes are missing from ${this.blobs.dir}: ${(e as Error).message}`,
      );
    }
    if (sha256(bytes) !== row.sha256)
      throw new StoreError('corrupt', `image ${row.sha256.slice(0, 12)}: stored bytes do not match the id (run ckpt verify --all)`);
    return bytes;
  }

  /** The decoded snapshot of an image (decodes the stored bytes; for show and reports). */
  getSnapshot(idOrPrefix: string): Snapshot {
    const bytes = this.read(() => this.getBytes(idOrPrefix));
    try {
      return decodeImage(bytes);
    } catch (e) {
      if (e instanceof ImageError) throw new StoreError('corrupt', `stored image ${quoted(idOrPrefix)} no longer decodes: ${e.message}`);
      throw e;
    }
  }

  /** The stored image's bytes, unchecked (getBytes checks them), also while it is being published. */
  imageBytes(idOrPrefix: string): Buffer {
    return this.blobs.read(this.read(() => this.resolve(idOrPrefix)).sha256);
  }

  /** Absolute path of the stored image file (read-only; do not modify it). */
  imagePath(idOrPrefix: string): string {
    return this.blobs.path(this.read(() => this.resolve(idOrPrefix)).sha256);
  }

  /**
   * Imports an image file: hashes, decodes (an undecodable file is refused
   * with bad-image and leaves nothing behind), stores the bytes under their
   * SHA-256 and indexes every task, fd table, fd and file in one transaction.
   * Importing bytes already present returns the existing image with
   * duplicate: true (label/tags/note given then update it).
   */
  importFile(path: string, opts: ImportOptions = {}, progress?: (p: ImportProgress) => void): ImportResult {
    if (typeof path !== 'string' || path === '') throw new StoreError('bad-argument', 'a file to import is required');
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // Worded as show and verify word them (util/open-error).
      const why =
        code === 'EISDIR'
          ? directoryText(path)
          : code === 'ENOENT'
            ? cannotOpenText(path, e as NodeJS.ErrnoException)
            : `cannot read ${displayBStr(path)}: ${(e as Error).message}`;
      throw new StoreError(code === 'ENOENT' ? 'not-found' : 'io', why);
    }
    return this.importBytes(bytes, opts, progress, path);
  }

  /** As importFile, from bytes in memory (an image just captured). */
  importBytes(bytes: Uint8Array, opts: ImportOptions = {}, progress?: (p: ImportProgress) => void, name = 'image'): ImportResult {
    const t0 = performance.now();
    if (!(bytes instanceof Uint8Array)) throw new StoreError('bad-argument', 'importBytes needs a Uint8Array');
    this.mustWrite(`import ${displayBStr(name)}`);
    checkImportOptions(opts);
    progress?.({ phase: 'hash', done: 0, total: 0 });
    // One pass gives the id and the digest the reader checks the tail against.
    const digests = imageDigests(bytes);
    const sha = digests.sha256;
    const existing = this.db.prepare('SELECT id FROM images WHERE sha256 = ?').pluck().get(sha) as number | undefined;
    if (existing !== undefined) {
      this.applyOptions(sha, opts);
      return { image: this.getImage(sha), duplicate: true, elapsedMs: performance.now() - t0 };
    }
    let temp: string | null = null;
    let duplicate = false;
    let nfds = 0;
    // No larger page cache for big imports any more: every insert appends, and
    // growing then shrinking the cache around each import cost more than it saved.
    try {
      this.db
        .transaction(() => {
          // A concurrent import of the same bytes may have committed since we looked.
          if (this.db.prepare('SELECT 1 FROM images WHERE sha256 = ?').get(sha)) {
            duplicate = true;
            return;
          }
          // Decoded inside the transaction: it interns strings as it goes, and
          // an image that turns out undecodable rolls them back.
          progress?.({ phase: 'decode', done: 0, total: 0 });
          let c: Collected;
          try {
            c = this.indexer.collect(bytes, digests);
          } catch (e) {
            if (e instanceof ImageError) throw new StoreError('bad-image', `${displayBStr(name)}: not imported: ${e.message}`);
            throw e;
          }
          nfds = c.nfds;
          // The bytes are on disk (fsync'd) before the rows that name them commit.
          temp = this.blobs.writeTemp(sha, bytes);
          const h = c.header;
          const id = Number(
            this.db
              .prepare(
                'INSERT INTO images (sha256, label, note, capture_time, imported_time, source, host, arch, kernel, frozen, options, program, program_pid, n_tasks, n_tables, n_fds, n_files, n_errors, size) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)',
              )
              .run(
                sha,
                opts.label ?? '',
                opts.note ?? '',
                h.captureTime,
                Date.now(),
                h.source,
                h.hostname,
                h.arch,
                h.kernelRelease,
                h.frozen ? 1 : 0,
                JSON.stringify(h.options),
                programOf(c),
                programTask(c)?.pid ?? null,
                c.tasks.length,
                c.tables.length,
                c.nfds,
                c.nfiles,
                c.errors,
                bytes.length,
              ).lastInsertRowid,
          );
          // A delete of these bytes killed before its unlink must not remove them now.
          this.db.prepare('DELETE FROM unlinks WHERE sha256 = ?').run(sha);
          const insTag = this.db.prepare('INSERT OR IGNORE INTO tags VALUES (?, ?)');
          for (const t of opts.tags ?? []) insTag.run(id, t);
          this.indexer.write(id, c, progress);
        })
        .immediate();
    } catch (e) {
      this.strings.forget();
      this.attrs.forget();
      if (temp) unlinkQuiet(temp);
      if (e instanceof StoreError) throw e;
      // The temporary file's errors name it (blobs.ts); SQLite's (a full disk: "database or disk is full") name no file.
      const code = (e as { code?: unknown }).code;
      const msg = withLockHolders((e as Error).message, code, join(this.home, 'library.db'));
      const where = /^SQLITE_/.test(String(code ?? '')) ? `${join(this.home, 'library.db')}: ` : '';
      throw new StoreError('io', `${displayBStr(name)}: import failed, nothing stored: ${where}${msg}`);
    }
    if (duplicate) this.applyOptions(sha, opts);
    else
      try {
        this.blobs.publish(temp!, sha);
      } catch (e) {
        // Committed: the temporary copy is its bytes, kept for the next open to move into place.
        throw new StoreError(
          'io',
          `${displayBStr(name)}: stored, but its file is not in place yet: ${(e as Error).message} (the next open of the library finishes it)`,
        );
      }
    progress?.({ phase: 'done', done: nfds, total: nfds });
    return { image: this.getImage(sha), duplicate, elapsedMs: performance.now() - t0 };
  }

  private applyOptions(sha: string, opts: ImportOptions): void {
    if (opts.label !== undefined) this.setLabel(sha, opts.label);
    if (opts.note !== undefined) this.setNote(sha, opts.note);
    if (opts.tags !== undefined) this.setTags(sha, [...new Set([...this.getImage(sha).tags, ...opts.tags])]);
  }

  /** Sets the label (any text up to 200 characters; "" clears it). Returns the updated image. */
  setLabel(idOrPrefix: string, label: string): ImageSummary {
    checkLabel(label);
    const row = this.resolve(idOrPrefix);
    this.writing('set a label', () => this.db.prepare('UPDATE images SET label = ? WHERE id = ?').run(label, row.id));
    return this.getImage(row.sha256);
  }

  /** Replaces the tags (each TAG_RE: 1-TAG_CHARS_MAX chars, no whitespace or commas; duplicates dropped). */
  setTags(idOrPrefix: string, tags: string[]): ImageSummary {
    checkTags(tags);
    const row = this.resolve(idOrPrefix);
    this.writing('set tags', () =>
      this.db.transaction(() => {
        this.db.prepare('DELETE FROM tags WHERE image_id = ?').run(row.id);
        const ins = this.db.prepare('INSERT OR IGNORE INTO tags VALUES (?, ?)');
        for (const t of tags) ins.run(row.id, t);
      })(),
    );
    return this.getImage(row.sha256);
  }

  /** Sets the free-text note (up to 10,000 characters). */
  setNote(idOrPrefix: string, note: string): ImageSummary {
    checkNote(note);
    const row = this.resolve(idOrPrefix);
    this.writing('set a note', () => this.db.prepare('UPDATE images SET note = ? WHERE id = ?').run(note, row.id));
    return this.getImage(row.sha256);
  }

  /**
   * Removes an image: all its index rows and an unlinks entry for its file
   * (one transaction), then its bytes, then the entry. A kill in between
   * leaves the entry, and recover() finishes the unlink: the only image
   * file it ever removes. Returns what was removed.
   */
  deleteImage(idOrPrefix: string): ImageSummary {
    const row = this.resolve(idOrPrefix);
    const summary = toSummary(row);
    this.writing('remove images', () =>
      this.db.transaction(() => {
        // Children first, by primary-key prefix: faster than the cascade's per-row checks.
        for (const t of ['fds', 'image_paths', 'image_attrs', 'fdtables', 'tasks', 'tags'])
          this.db.prepare(`DELETE FROM ${t} WHERE image_id = ?`).run(row.id);
        this.db.prepare('DELETE FROM images WHERE id = ?').run(row.id);
        this.db.prepare('INSERT OR IGNORE INTO unlinks VALUES (?)').run(row.sha256);
      })(),
    );
    this.blobs.remove(row.sha256);
    try {
      this.db.prepare('DELETE FROM unlinks WHERE sha256 = ?').run(row.sha256);
    } catch (e) {
      // The image is gone already: a library another process holds locked
      // keeps the entry, which the next open's repair clears (its file is).
      if (!/^SQLITE_BUSY/.test(String((e as { code?: unknown }).code ?? ''))) throw e;
    }
    return summary;
  }

  /** Runs a query (docs/search.md) across all images; QueryError names the offending token. */
  search(query: string, opts: SearchOptions = {}): SearchResult {
    return this.read(() => runSearch(this, query, opts));
  }

  /** Who held the fds a query matches, folded across images: since when, until when, held now; every holder, or limit of them from offset (with the total). */
  holders(query: string, opts: { maxHits?: number; offset?: number; limit?: number } = {}): HoldersResult {
    return this.read(() => runHolders(this, query, opts));
  }

  /**
   * What changed from image A to image B (ids, prefixes or labels): a
   * DiffResult whose per-fd details are built when first read (JSON through
   * toJSON; diff-result.ts).
   */
  diff(a: string, b: string, opts: DiffOptions = {}): LazyDiff {
    return this.read(() => runDiff(this, a, b, opts));
  }

  /** Fd counts over a series of images and the leak suspects among them. */
  timeline(selector: TimelineSelector): Timeline {
    return this.read(() => runTimeline(this, selector));
  }

  /** Renders an image, diff, search or timeline as a self-contained document (html, md, json, csv). */
  export(req: ExportRequest, format: ExportFormat): string {
    return this.read(() => renderExport(this, req, format));
  }

  /** export(), in pieces to write one after another: JSON of any size (see renderExportPieces). */
  exportPieces(req: ExportRequest, format: ExportFormat): string[] {
    return this.read(() => [...batched(renderExportPieces(this, req, format))]);
  }

  /**
   * Re-hashes every stored image, re-decodes it and compares the decoded
   * counts with the index rows; runs PRAGMA integrity_check. Never throws for
   * a bad image: it is reported in `problems`.
   */
  verifyAll(progress?: (done: number, total: number) => void): VerifyReport {
    let report: VerifyReport | null = null;
    try {
      return this.read(() => (report = verifyLibrary(this.db, this.blobs, progress)));
    } catch (e) {
      // The check ran to its end and found the damage; ending its read transaction on damaged pages may fail too.
      if (report && (isTornRead(e) || (e instanceof StoreError && e.code === 'corrupt'))) return report;
      throw e;
    }
  }

  /** Closes the database; later calls fail with code 'closed'. */
  close(): void {
    this.closed = true;
    if (this._db) {
      try {
        this._db.pragma('optimize');
      } catch {
        /* read-only or busy: optimisation is optional */
      }
      this._db.close();
    }
    this._db = null;
  }
}

/**
 * The orphans no earlier open has told of, recorded as told (HOME/orphans-noticed,
 * one file name a line): every command opens the library, and the same
 * line on each `ckpt list` would be noise. verify --all lists them all.
 */
function unnoticedOrphans(s: Store): string[] {
  const file = join(s.home, 'orphans-noticed');
  if (!s.orphans.length) {
    if (existsSync(file)) unlinkQuiet(file);
    return [];
  }
  let told = new Set<string>();
  try {
    told = new Set(readFileSync(file, 'utf8').split('\n'));
  } catch {
    /* none told yet */
  }
  const names = s.orphans.map((p) => basename(p));
  const fresh = names.filter((n) => !told.has(n));
  if (fresh.length)
    try {
      writeFileSync(file, names.join('\n') + '\n');
    } catch {
      /* told again next time */
    }
  return fresh;
}

/** The one line an open that found orphans not told of before says (standard error by default). */
function orphanNotice(s: Store, fresh: number): string {
  const n = s.orphans.length;
  const them = n === 1 ? 'it' : 'them';
  const which = fresh === n ? `${n} image file${n === 1 ? '' : 's'}` : `${fresh} more image file${fresh === 1 ? '' : 's'} (${n} in all)`;
  return `${which} in ${join(s.home, 'images')} ${fresh === 1 ? 'has' : 'have'} no entry in the library (kept; ckpt verify --all lists ${them}; ckpt import --home ${s.home} FILE... brings ${them} back; said once)`;
}

function emptySockets(): SocketAttrs {
  return { inet: { ids: [], state: [], lport: [], rport: [], laddr: [], raddr: [] }, unix: { ids: [], state: [], name: [], raw: [] } };
}

/** One read transaction around fn (joining one already open: a write's, or a nested read's). */
function inSnapshot<T>(db: DB, fn: () => T): T {
  return db.inTransaction ? fn() : db.transaction(fn)();
}

/**
 * What a read of an immutable file that changed underneath may fail with
 * even when the change went unseen: a torn page, a file shorter than its
 * header says. Read again from a new connection; only a file that fails
 * the same way every time is corrupt.
 */
function isTornRead(e: unknown): boolean {
  const code = String((e as { code?: unknown } | null)?.code ?? '');
  if (/^SQLITE_(CORRUPT|NOTADB|IOERR_SHORT_READ)/.test(code)) return true;
  return /malformed|not a database/i.test(String((e as Error | null)?.message ?? ''));
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The first of the library's parts an import or edit writes (its directory,
 * the database, the image and temporary directories) this user may not
 * write, or null when it may write them all.
 */
function unwritable(home: string): { path: string; why: string } | null {
  for (const p of [home, join(home, 'library.db'), join(home, 'images'), join(home, 'tmp')]) {
    if (!existsSync(p)) continue;
    try {
      accessSync(p, constants.W_OK);
    } catch (e) {
      // A read-only mount refuses root as well: not a matter of permissions.
      const why =
        (e as NodeJS.ErrnoException).code === 'EROFS'
          ? `${p} is on a read-only file system`
          : `${whoAmI()} has no write permission on ${p}`;
      return { path: p, why };
    }
  }
  return null;
}

function whoAmI(): string {
  const uid = process.getuid?.() ?? -1;
  try {
    return `user ${userInfo().username} (uid ${uid})`;
  } catch {
    return `uid ${uid}`;
  }
}

function checkLabel(label: unknown): void {
  if (typeof label !== 'string' || label.length > MAX_LABEL || /[\0\n\r]/.test(label))
    throw new StoreError('bad-argument', `a label is one line of text of at most ${MAX_LABEL} characters`);
}

function checkNote(note: unknown): void {
  if (typeof note !== 'string' || note.length > MAX_NOTE)
    throw new StoreError('bad-argument', `a note is text of at most ${MAX_NOTE} characters`);
}

function checkTags(tags: unknown): void {
  if (!Array.isArray(tags)) throw new StoreError('bad-argument', 'tags must be a list of words');
  for (const t of tags)
    if (typeof t !== 'string' || !TAG_RE.test(t))
      throw new StoreError(
        'bad-argument',
        `bad tag ${typeof t === 'string' ? quoted(t) : JSON.stringify(t)}: a tag is 1-${TAG_CHARS_MAX} characters without spaces or commas`,
      );
}

function checkImportOptions(o: ImportOptions): void {
  if (o === null || typeof o !== 'object') throw new StoreError('bad-argument', 'import options must be an object');
  if (o.label !== undefined) checkLabel(o.label);
  if (o.tags !== undefined) checkTags(o.tags);
  if (o.note !== undefined) checkNote(o.note);
}
