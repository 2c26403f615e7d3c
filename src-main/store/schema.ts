/**
 * Numbered schema migrations, applied in order inside one transaction each;
 * PRAGMA user_version records the last one applied. A migration, once
 * released, never changes: a new one is appended.
 *
 * Layout, chosen for ingest speed and cross-image search:
 * - strs interns every repeated byte string (paths, comm, command lines) by
 *   exact bytes: TEXT when valid UTF-8, BLOB otherwise, so a path held in a
 *   thousand images is stored once and searched once.
 * - fds holds one row per descriptor with its open file's fields folded in
 *   (file_ref names the file; a file held by several fds, mostly dup'd std
 *   streams, repeats its fields). One row per fd instead of an fd row plus
 *   a file row joined on every read halves ingest and read cost. Kind
 *   attributes are JSON, interned in their own table (attrs_id, 0 = none)
 *   so path search never scans them.
 * - fdpacks holds each image's fds as one packed Int32Array (PACK_FIELDS per
 *   fd, in table order) so diff reads two blobs instead of 200,000 rows.
 * - u64 values beyond SQLite's signed 64 bits are stored as decimal TEXT.
 */
export const MIGRATIONS: string[] = [
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
    PRIMARY KEY (image_id, ref)
  ) WITHOUT ROWID;
  CREATE TABLE fds (
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    table_ref INTEGER NOT NULL,
    fd INTEGER NOT NULL,
    file_ref INTEGER NOT NULL,
    cloexec INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    path_id INTEGER NOT NULL,
    flags INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    shared INTEGER NOT NULL,
    mode INTEGER NOT NULL,
    pos,
    dev,
    ino,
    rdev,
    size,
    nlink INTEGER NOT NULL,
    attrs_id INTEGER NOT NULL,
    PRIMARY KEY (image_id, table_ref, fd)
  ) WITHOUT ROWID;
  CREATE TABLE fdpacks (
    image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
    nfds INTEGER NOT NULL,
    data BLOB NOT NULL
  );
  CREATE INDEX fds_path ON fds(path_id);
  CREATE INDEX tasks_table ON tasks(image_id, table_ref);
  `,
];
