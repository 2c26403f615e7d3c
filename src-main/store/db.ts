/** Opens the library database: WAL, foreign keys, migrations. */
import Database from 'better-sqlite3';
import { accessSync, closeSync, constants, existsSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { MIGRATIONS, SCHEMA_FD_LIMITS } from './schema.js';
import { StoreError } from './errors.js';

export type DB = Database.Database;

// A WAL database can be read without write permission only while its -wal
// and -shm files exist (another connection has it open) or can be created
// (https://sqlite.org/wal.html#readonly); a library in a directory this user
// cannot write, closed by its owner (the last close removes both files), is
// then read with SQLite's immutable=1 URI parameter. better-sqlite3 opens
// without SQLITE_OPEN_URI; its addon turns URI names on for the process when
// SQLITE_USE_URI=1 is set as it loads (at the first new Database). Only that
// fallback names a file "file:...": every library path here is absolute.
process.env.SQLITE_USE_URI ??= '1';

/** SQLite's error codes for a WAL database whose -wal/-shm this connection can neither open nor create. */
const NO_WAL_FILES = new Set(['SQLITE_READONLY_DIRECTORY', 'SQLITE_CANTOPEN', 'SQLITE_READONLY_CANTINIT', 'SQLITE_READONLY_RECOVERY']);

/** Connections opened with immutable=1 (isImmutable). */
const immutableDbs = new WeakSet<DB>();

/** Whether this connection reads the file as immutable (the owner's later writes are not seen and may tear its reads). */
export function isImmutable(db: DB): boolean {
  return immutableDbs.has(db);
}

/**
 * Below this age a file's mtime may not tell a later write apart: Linux
 * stamps files from a clock that advances once per tick (1 to 10 ms), so two
 * writes within one tick leave one mtime. libraryState waits until the last
 * change is older than this (what git calls a racily clean index).
 */
const RACY_MS = 25;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * What tells whether library.db changed: its device, inode, size, mtime and
 * ctime (ns), its first 100 bytes (the header: file change counter, page
 * count, freelist, schema cookie) and whether -wal and -shm exist (the owner
 * has it open). An owner's write between two calls changes it: a checkpoint
 * writes the file (mtime), an open creates -wal; a write within the same
 * clock tick as the one before is ruled out by waiting out a fresh mtime
 * first (RACY_MS). '' when the file cannot be read.
 */
export function libraryState(file: string): string {
  // Bounded: a file rewritten every few ms for good is caught by the size, the header or -wal instead.
  for (let wait = 0; ; wait++) {
    let st;
    try {
      st = statSync(file, { bigint: true });
    } catch {
      return '';
    }
    const age = Date.now() - Number(st.mtimeNs / 1_000_000n);
    if (age >= 0 && age < RACY_MS && wait < 20) {
      sleepSync(RACY_MS - age + 1);
      continue;
    }
    const head = Buffer.alloc(100);
    try {
      const fd = openSync(file, 'r');
      try {
        readSync(fd, head, 0, 100, 0);
      } finally {
        closeSync(fd);
      }
    } catch {
      return '';
    }
    return [
      st.dev,
      st.ino,
      st.size,
      st.mtimeNs,
      st.ctimeNs,
      head.toString('hex'),
      existsSync(`${file}-wal`) ? 'wal' : '',
      existsSync(`${file}-shm`) ? 'shm' : '',
    ].join(' ');
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** file: URI of an absolute path: SQLite reads %HH escapes, and ? and # would end the path. */
function fileUri(path: string, params: string): string {
  return `file:${path.replace(/[%?#]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}?${params}`;
}

/**
 * `nativeBinding`: the better_sqlite3.node to load instead of the package's
 * own build (the Electron app's, built for Electron's ABI). The import worker
 * is given the same one as its host, so both threads load one addon file.
 */
/** How long a change waits for another process's write lock: 30 s (CKPT_TEST_BUSY_MS: a test's shorter wait). */
export const busyTimeoutMs = (): number => Number(process.env.CKPT_TEST_BUSY_MS) || 30_000;

export function openDatabase(file: string, readonly = false, nativeBinding?: string): DB {
  file = resolve(file);
  const open = (name: string): DB => {
    try {
      return new Database(name, { readonly, fileMustExist: readonly, ...(nativeBinding ? { nativeBinding } : {}) });
    } catch (e) {
      throw new StoreError(readonly ? 'not-found' : 'io', `cannot open the library database ${file}: ${(e as Error).message}`);
    }
  };
  let db = open(file);
  if (readonly) {
    try {
      // The first read is what opens (or fails to open) the WAL.
      db.pragma('user_version', { simple: true });
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      if (!NO_WAL_FILES.has(code) || writable(dirname(file))) {
        db.close();
        throw new StoreError('corrupt', `the library database ${file} cannot be used: ${(e as Error).message}`);
      }
      db.close();
      // Immutable: no locks, no WAL, and SQLite trusts the file never to
      // change: it keeps its page cache and never looks for a change. The
      // owner may still write it (a checkpoint rewrites pages under this
      // connection), so the Store checks the file around every read on such
      // a connection and reopens it (libraryState below; index.ts, read()).
      db = open(fileUri(file, 'mode=ro&immutable=1'));
      immutableDbs.add(db);
      try {
        db.pragma('user_version', { simple: true });
      } catch (e2) {
        db.close();
        const hint =
          process.env.SQLITE_USE_URI === '1'
            ? ''
            : ' (SQLITE_USE_URI is set to something other than 1 in the environment, which turns off the immutable read)';
        throw new StoreError('io', `the library database ${file} cannot be read: ${(e2 as Error).message}${hint}`);
      }
    }
  }
  try {
    // Another process (the app, a second CLI) may hold the write lock for a
    // while during a large import; wait rather than fail.
    db.pragma(`busy_timeout = ${busyTimeoutMs()}`);
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      // One 100k-fd import is ~10 MB of pages. Checkpointing at the default
      // 4 MB copied and fsync'd after every import; at 64 MB it happens every
      // few imports (~4% faster ingest). Durability is the WAL's either way.
      db.pragma('wal_autocheckpoint = 16000');
    }
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    db.pragma('cache_size = -65536');
    db.pragma('temp_store = MEMORY');
    // Before migrating: a development build's version 1 cannot be migrated.
    checkLayout(db, file);
    if (!readonly) migrate(db);
    else {
      const have = db.pragma('user_version', { simple: true }) as number;
      if (have > MIGRATIONS.length) throw new StoreError('corrupt', 'the library was written by a newer version of Checkpoint Studio');
      // Read-only, so not migrated: before schema 3 tasks and images lack
      // the fd limit columns. Views of this connection's own (TEMP: nothing
      // is written to the library) shadow both tables with those columns
      // NULL, "not known", as rows indexed before the migration read, so
      // the queries need not know which schema they read.
      if (have < SCHEMA_FD_LIMITS)
        db.exec(`
          CREATE TEMP VIEW tasks AS SELECT *, NULL AS fd_soft, NULL AS fd_hard FROM main.tasks;
          CREATE TEMP VIEW images AS SELECT *, NULL AS program_pid FROM main.images;
        `);
    }
  } catch (e) {
    db.close();
    if (e instanceof StoreError) throw e;
    throw new StoreError('corrupt', `the library database ${file} cannot be used: ${(e as Error).message}`);
  }
  return db;
}

function migrate(db: DB): void {
  const have = db.pragma('user_version', { simple: true }) as number;
  if (have > MIGRATIONS.length)
    throw new StoreError('corrupt', `the library has schema version ${have}; this version of ckpt knows up to ${MIGRATIONS.length}`);
  for (let v = have; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      // Re-check inside the write lock: another process may have migrated meanwhile.
      const now = db.pragma('user_version', { simple: true }) as number;
      if (now > v) return;
      const m = MIGRATIONS[v]!;
      if (typeof m === 'string') db.exec(m);
      else m(db);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

/**
 * Libraries written by development builds before schema version 1 settled
 * have user_version 1 but another layout; name the problem instead of
 * failing later with "no such table".
 */
function checkLayout(db: DB, file: string): void {
  if ((db.pragma('user_version', { simple: true }) as number) !== 1) return;
  const cols = new Set(db.prepare("SELECT name FROM pragma_table_info('fds')").pluck().all() as string[]);
  const tcols = new Set(db.prepare("SELECT name FROM pragma_table_info('fdtables')").pluck().all() as string[]);
  const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
  if (!tables.has('attrs') || !tcols.has('data') || cols.has('pos') || !cols.has('attrs_id'))
    throw new StoreError(
      'corrupt',
      `the library ${file} was written by a development build with an older layout; move it aside (its images are in images/ and can be re-imported)`,
    );
}
