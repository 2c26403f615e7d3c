/**
 * Numbered schema migrations, applied in order inside one transaction each;
 * PRAGMA user_version records the last one applied. A migration, once
 * released, never changes: a new one is appended.
 *
 * Layout (after every migration), chosen for ingest speed and cross-image
 * search:
 * - strs interns every repeated byte string (paths, comm, command lines) by
 *   exact bytes: TEXT when valid UTF-8, BLOB otherwise, so a path held in a
 *   thousand images is stored once and searched once.
 * - fds holds one key row per descriptor (image, path, table, fd) and
 *   nothing else: an import appends its rows, sorted by path (migration 2).
 *   image_paths lists each image's distinct path ids.
 * - fdtables.data holds the table's fds with their open files' fields
 *   packed as Int32 (fdpack.ts): kind, path, flags, bits, file ref, mode,
 *   pos, dev, ino, rdev, size, nlink ... A file held by several fds (dup'd
 *   std streams) repeats its fields. Search tests its terms on the packs;
 *   diff and timelines read all of an image's packs, never the fd rows.
 * - Kind attributes are JSON, interned in their own table (attrs_id, 0 =
 *   none) so path search never scans them.
 * - u64 values beyond SQLite's signed 64 bits are stored as decimal TEXT.
 * - tasks.fd_soft / fd_hard: RLIMIT_NOFILE; NULL not known, -1 unlimited
 *   (migration 3).
 * - image_attrs lists each image's (attrs id, fd table) pairs, so socket
 *   terms skip the images and tables that cannot match (migration 4).
 * - unlinks names the image files a delete has committed to remove and not
 *   yet removed (migration 5): the only files recover() may remove.
 */
import type Database from 'better-sqlite3';
import type { FdLimit } from '../../src-shared/model/index.js';
import { attrPairs } from './attrset.js';
import { unpack } from './fdpack.js';

/** SQL, or a step that needs JS (filling a new table from existing rows). */
export type Migration = string | ((db: Database.Database) => void);

export const MIGRATIONS: Migration[] = [
  `
  CREATE TABLE images (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    capture_time INTEGER NOT NULL,
    imported_time INTEGER NOT NULL,
    source TEXT NOT NULL,
    host TEXT NOT NULL,
    arch TEXT NOT NULL,
    kernel TEXT NOT NULL,
    frozen INTEGER NOT NULL,
    options TEXT NOT NULL,
    program TEXT NOT NULL,
    n_tasks INTEGER NOT NULL,
    n_tables INTEGER NOT NULL,
    n_fds INTEGER NOT NULL,
    n_files INTEGER NOT NULL,
    n_errors INTEGER NOT NULL,
    size INTEGER NOT NULL
  );
  CREATE INDEX images_capture ON images(capture_time);
  CREATE INDEX images_program ON images(program);
  CREATE TABLE tags (
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (image_id, tag)
  ) WITHOUT ROWID;
  CREATE INDEX tags_tag ON tags(tag);
  CREATE TABLE strs (
    id INTEGER PRIMARY KEY,
    b NOT NULL UNIQUE
  );
  CREATE TABLE attrs (
    id INTEGER PRIMARY KEY,
    b TEXT NOT NULL UNIQUE
  );
  CREATE TABLE tasks (
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    pid INTEGER NOT NULL,
    tgid INTEGER NOT NULL,
    ppid INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    gid INTEGER NOT NULL,
    comm_id INTEGER NOT NULL REFERENCES strs(id),
    cmd_id INTEGER NOT NULL REFERENCES strs(id),
    table_ref INTEGER NOT NULL,
    PRIMARY KEY (image_id, pid)
  ) WITHOUT ROWID;
  CREATE TABLE fdtables (
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    ref INTEGER NOT NULL,
    nfds INTEGER NOT NULL,
    inferred INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (image_id, ref)
  );
  CREATE TABLE fds (
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    table_ref INTEGER NOT NULL,
    fd INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    path_id INTEGER NOT NULL,
    flags INTEGER NOT NULL,
    cloexec INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    shared INTEGER NOT NULL,
    attrs_id INTEGER NOT NULL,
    PRIMARY KEY (image_id, table_ref, fd)
  ) WITHOUT ROWID;
  CREATE INDEX fds_path ON fds(path_id);
  CREATE INDEX tasks_table ON tasks(image_id, table_ref);
  `,
  // 2: path lookups per image instead of one index over every image. A
  // global fds(path_id) index takes each import's entries all over its
  // pages (every path's run grows at its end), so each commit rewrote most
  // of the index and ingest slowed as the library grew. fds is now just
  // the key (image_id, path_id, table_ref, fd): an import, its rows sorted
  // by path, only appends, and a path is found within an image by one seek.
  // Everything else search and timelines look at is read from the fd
  // tables' packs. image_paths (each image's distinct path ids, sorted
  // Int32) tells search which images hold a path before it seeks.
  (db) => {
    db.exec(`
      CREATE TABLE fds_v2 (
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        path_id INTEGER NOT NULL,
        table_ref INTEGER NOT NULL,
        fd INTEGER NOT NULL,
        PRIMARY KEY (image_id, path_id, table_ref, fd)
      ) WITHOUT ROWID;
      INSERT INTO fds_v2 SELECT image_id, path_id, table_ref, fd FROM fds ORDER BY image_id, path_id, table_ref, fd;
      DROP TABLE fds;
      ALTER TABLE fds_v2 RENAME TO fds;
      CREATE TABLE image_paths (
        image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
        ids BLOB NOT NULL
      );
    `);
    const ins = db.prepare('INSERT INTO image_paths VALUES (?, ?)');
    const distinct = db.prepare('SELECT DISTINCT path_id FROM fds WHERE image_id = ? ORDER BY path_id').pluck();
    for (const id of db.prepare('SELECT id FROM images').pluck().all() as number[]) {
      const ids = Int32Array.from(distinct.all(id) as number[]);
      ins.run(id, Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength));
    }
  },
  // 3: fd limits (image format 1.2), for timelines' projections and search.
  // tasks.fd_soft / fd_hard: RLIMIT_NOFILE, NULL where not known, FD_UNLIMITED
  // (-1) for RLIM_INFINITY, so "unlimited" and "unknown" stay apart.
  // images.program_pid: the task programOf() names the series after; the
  // tasks table is keyed by pid and keeps no image order, so which task is
  // "the first process" must be recorded at ingest. Rows indexed before
  // this migration keep NULL in all three: their limits are unknown to the
  // index (the image bytes may hold them; re-deriving them would mean
  // decoding every stored image here), never guessed. ADD COLUMN with no
  // default only rewrites the schema, not the rows: instant on any library.
  `
  ALTER TABLE tasks ADD COLUMN fd_soft INTEGER;
  ALTER TABLE tasks ADD COLUMN fd_hard INTEGER;
  ALTER TABLE images ADD COLUMN program_pid INTEGER;
  `,
  // 4: image_attrs, each image's (attrs id, table ref) pairs (attrset.ts).
  // Socket terms match a few attrs ids across the library, but nothing said
  // which images hold them, so such a query read every image's packs; and a
  // path term that also matched a unix socket name could not drive by path.
  // Filled here from the packs (every image read once: about 0.2 s per
  // million fds, docs/store.md) rather than lazily by searches: a search
  // would then write, taking the write lock beside imports, and a library
  // opened read-only could never be filled. An image without a row is
  // scanned, as before (search.ts), so a read-only schema-3 library still
  // answers the same.
  (db) => {
    db.exec(`
      CREATE TABLE image_attrs (
        image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
        pairs BLOB NOT NULL
      );
    `);
    fillImageAttrs(db);
  },
  // 5: unlinks, the image files a delete is about to remove, written in the
  // transaction that removes the image's rows and cleared once the file is
  // gone. recover() removes only the files named here: an image file with
  // no row and no entry here is kept, never deleted (a library.db that is
  // empty, missing or restored from an older backup has no row for images
  // whose files are still the only copy; before this the repair deleted
  // them all). A library older than this has no record of a killed delete:
  // its leftover file, if any, is kept and reported like any other.
  `
  CREATE TABLE unlinks (sha256 TEXT PRIMARY KEY) WITHOUT ROWID;
  `,
];

/** Writes image_attrs for every image that has no row, from its packs. */
export function fillImageAttrs(db: Database.Database): void {
  const ins = db.prepare('INSERT INTO image_attrs VALUES (?, ?)');
  const packs = db.prepare('SELECT ref, data FROM fdtables WHERE image_id = ? ORDER BY ref').raw();
  const missing = db.prepare('SELECT id FROM images WHERE id NOT IN (SELECT image_id FROM image_attrs) ORDER BY id').pluck();
  for (const id of missing.all() as number[]) {
    const tables = (packs.all(id) as [number, Buffer][]).map(([ref, b]) => [ref, unpack(b)] as const);
    const pairs = attrPairs(tables);
    ins.run(id, Buffer.from(pairs.buffer, pairs.byteOffset, pairs.byteLength));
  }
}

/** tasks.fd_soft / fd_hard for an unlimited RLIMIT_NOFILE (NULL is "not known"). */
export const FD_UNLIMITED = -1;

/** A task's fd limit from its tasks.fd_soft / fd_hard: null when not known; unlimited (FD_UNLIMITED) as null inside it. */
export function fdLimitOfRow(soft: number | null, hard: number | null): FdLimit | null {
  if (soft === null || hard === null) return null;
  return { soft: soft === FD_UNLIMITED ? null : soft, hard: hard === FD_UNLIMITED ? null : hard };
}

/** The first schema version whose rows carry fd limits (a read-only library may be older: see db.ts). */
export const SCHEMA_FD_LIMITS = 3;
/** The first schema version with image_attrs (older: every image is scanned for socket terms). */
export const SCHEMA_IMAGE_ATTRS = 4;
/** The first schema version with unlinks (older: recover() removes no image file at all). */
export const SCHEMA_UNLINKS = 5;
