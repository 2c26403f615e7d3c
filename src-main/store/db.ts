/** Opens the library database: WAL, foreign keys, migrations. */
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_FD_LIMITS } from './schema.js';
import { StoreError } from './errors.js';

export type DB = Database.Database;

/**
 * `nativeBinding`: the better_sqlite3.node to load instead of the package's
 * own build (the Electron app's, built for Electron's ABI). The import worker
 * is given the same one as its host, so both threads load one addon file.
 */
export function openDatabase(file: string, readonly = false, nativeBinding?: string): DB {
  let db: DB;
  try {
    db = new Database(file, { readonly, fileMustExist: readonly, ...(nativeBinding ? { nativeBinding } : {}) });
  } catch (e) {
    throw new StoreError(readonly ? 'not-found' : 'io', `cannot open the library database ${file}: ${(e as Error).message}`);
  }
  try {
    // Another process (the app, a second CLI) may hold the write lock for a
    // while during a large import; wait rather than fail.
    db.pragma('busy_timeout = 30000');
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
