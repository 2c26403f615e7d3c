/**
 * `ckpt verify --all`: every stored image re-hashed and re-decoded, and its
 * decoded counts compared with what the index holds; then SQLite's own
 * integrity check. Problems are collected, never thrown.
 */
import type { VerifyProblem, VerifyReport } from '../../src-shared/store-types.js';
import { decodeImage } from '../engine/reader.js';
import { sha256, type Blobs } from './blobs.js';
import type { DB } from './db.js';
import { P, PACK_FIELDS, unpack } from './fdpack.js';
import { programTask } from './ingest.js';
import { attrPairs } from './attrset.js';
import { FD_UNLIMITED } from './schema.js';

/**
 * Damaged database pages make SQLite fail a read ("database disk image is
 * malformed"): a finding of the check, reported where it was met, never
 * thrown out of it as an error.
 */
function dbFailure(e: unknown): string | null {
  const code = String((e as { code?: unknown } | null)?.code ?? '');
  return code.startsWith('SQLITE_') ? (e as Error).message : null;
}

export function verifyLibrary(db: DB, blobs: Blobs, progress?: (done: number, total: number) => void): VerifyReport {
  const t0 = performance.now();
  /** What the database could not read, in order: reported with integrity_check's findings. */
  const damage: string[] = [];
  let rows: {
    id: number;
    sha256: string;
    n_tasks: number;
    n_tables: number;
    n_fds: number;
    n_files: number;
    program_pid: number | null;
  }[] = [];
  let listed = true;
  try {
    rows = db.prepare('SELECT id, sha256, n_tasks, n_tables, n_fds, n_files, program_pid FROM images ORDER BY id').all() as typeof rows;
  } catch (e) {
    const why = dbFailure(e);
    if (why === null) throw e;
    damage.push(`the image list (table images) cannot be read: ${why}`);
    listed = false;
  }
  const hasAttrIndex = db.prepare("SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = 'image_attrs'").get() !== undefined;
  const counts = {
    tasks: db.prepare('SELECT count(*) FROM tasks WHERE image_id = ?').pluck(),
    tables: db.prepare('SELECT count(*), coalesce(sum(nfds), 0) FROM fdtables WHERE image_id = ?').raw(),
    fds: db.prepare('SELECT count(*) FROM fds WHERE image_id = ?').pluck(),
    packs: db.prepare('SELECT ref, nfds, data FROM fdtables WHERE image_id = ?').raw(),
    paths: db.prepare('SELECT ids FROM image_paths WHERE image_id = ?').pluck(),
    // A read-only library older than schema 4 has none (its searches scan).
    attrs: hasAttrIndex ? db.prepare('SELECT pairs FROM image_attrs WHERE image_id = ?').pluck() : null,
    limits: db.prepare('SELECT pid, fd_soft, fd_hard FROM tasks WHERE image_id = ?').raw(),
  };
  const problems: VerifyProblem[] = [];
  let ok = 0;
  /** Images whose index rows the database could not read. */
  let unread = 0;
  rows.forEach((r, i) => {
    progress?.(i, rows.length);
    try {
      if (checkImage(r)) ok++;
    } catch (e) {
      const why = dbFailure(e);
      if (why === null) throw e;
      unread++;
      problems.push({ imageId: r.sha256, code: 'index-mismatch', message: `its index rows cannot be read: ${why}` });
    }
  });
  /** One image's checks: true when it is whole, else its problem is pushed. */
  function checkImage(r: (typeof rows)[number]): boolean {
    let bytes: Buffer;
    try {
      bytes = blobs.read(r.sha256); // also while an import publishes it
    } catch (e) {
      problems.push({ imageId: r.sha256, code: 'missing-bytes', message: `stored bytes missing: ${(e as Error).message}` });
      return false;
    }
    const got = sha256(bytes);
    if (got !== r.sha256) {
      problems.push({ imageId: r.sha256, code: 'hash-mismatch', message: `stored bytes hash to ${got}` });
      return false;
    }
    let s;
    try {
      s = decodeImage(bytes);
    } catch (e) {
      problems.push({ imageId: r.sha256, code: 'undecodable', message: (e as Error).message });
      return false;
    }
    const nfds = s.fdTables.reduce((n, t) => n + t.fds.length, 0);
    const [ntables, tableFds] = counts.tables.get(r.id) as [number, number];
    // The packed fds must say what the image says: same table, fd and file for each.
    const packed = new Map<number, Int32Array>();
    let packFds = 0;
    let packBad = 0;
    for (const [ref, n, data] of counts.packs.all(r.id) as [number, number, Buffer][]) {
      const p = unpack(data);
      packed.set(ref, p);
      packFds += p.length / PACK_FIELDS;
      if (p.length !== n * PACK_FIELDS) packBad++;
    }
    // The image's path set (what search consults first) must be exactly the packs' distinct paths.
    const packPaths = new Set<number>();
    for (const p of packed.values()) for (let o = 0; o < p.length; o += PACK_FIELDS) packPaths.add(p[o + P.path]!);
    const setBlob = counts.paths.get(r.id) as Buffer | undefined;
    const pathSet = setBlob ? unpack(setBlob) : null;
    let pathBad = pathSet ? Math.abs(pathSet.length - packPaths.size) : packPaths.size + 1;
    if (pathSet)
      for (let i = 0; i < pathSet.length; i++) if (!packPaths.has(pathSet[i]!) || (i > 0 && pathSet[i]! <= pathSet[i - 1]!)) pathBad++;
    // So must its attrs pairs (what socket terms consult first): a missing
    // pair would make search skip a table holding a hit.
    let attrsBad = 0;
    if (counts.attrs) {
      const blob = counts.attrs.get(r.id) as Buffer | undefined;
      const want = attrPairs([...packed].sort((a, b) => a[0] - b[0]));
      const have = blob ? unpack(blob) : null;
      if (!have) attrsBad = want.length / 2 + 1;
      else {
        const k = (a: Int32Array, i: number) => `${a[i]!}:${a[i + 1]!}`;
        const wantSet = new Set<string>();
        for (let i = 0; i < want.length; i += 2) wantSet.add(k(want, i));
        attrsBad = Math.abs(have.length - want.length) / 2;
        for (let i = 0; i < have.length; i += 2) if (!wantSet.has(k(have, i)) || (i > 0 && have[i]! < have[i - 2]!)) attrsBad++;
      }
    }
    for (const t of s.fdTables) {
      const p = packed.get(t.ref);
      t.fds.forEach((d, k) => {
        const o = k * PACK_FIELDS;
        if (!p || p[o + P.table] !== t.ref || p[o + P.fd] !== d.fd || p[o + P.file] !== d.file) packBad++;
      });
    }
    // fd limits: an image indexed before schema 3 (program_pid NULL) has
    // none in its rows, whatever its bytes hold; one indexed since has
    // exactly the image's.
    let limitBad = 0;
    const indexed = r.program_pid !== null;
    const want = new Map(s.tasks.map((t) => [t.pid, t.fdLimit]));
    const enc = (v: number | null) => (v === null ? FD_UNLIMITED : v);
    for (const [pid, soft, hard] of counts.limits.all(r.id) as [number, number | null, number | null][]) {
      const l = want.get(pid);
      const ok = !indexed || !l ? soft === null && hard === null : soft === enc(l.soft) && hard === enc(l.hard);
      if (!ok) limitBad++;
    }
    if (indexed && r.program_pid !== (programTask(s)?.pid ?? null)) limitBad++;
    const checks: [string, number, number, number][] = [
      ['tasks', s.tasks.length, r.n_tasks, counts.tasks.get(r.id) as number],
      ['fd tables', s.fdTables.length, r.n_tables, ntables],
      ['fds', nfds, r.n_fds, counts.fds.get(r.id) as number],
      ['fds (by table)', nfds, r.n_fds, tableFds],
      ['files', s.files.length, r.n_files, s.files.length],
      ['packed fds', nfds, nfds, packFds],
      ['packed fds that disagree with the image', 0, 0, packBad],
      ['path set entries that disagree with the packs', 0, 0, pathBad],
      ['attrs pairs that disagree with the packs', 0, 0, attrsBad],
      ['fd limits that disagree with the image', 0, 0, limitBad],
    ];
    const bad = checks.filter(([, dec, row, idx]) => dec !== row || dec !== idx);
    if (bad.length) {
      problems.push({
        imageId: r.sha256,
        code: 'index-mismatch',
        message: bad.map(([w, dec, row, idx]) => `${w}: image has ${dec}, summary ${row}, index ${idx}`).join('; '),
      });
      return false;
    }
    return true;
  }
  const known = new Set(rows.map((r) => r.sha256));
  // Without the image list every file would look like one no row names.
  if (listed)
    for (const sha of blobs.list().keys())
      if (!known.has(sha))
        problems.push({
          imageId: sha,
          code: 'orphan-bytes',
          message: `image file with no library entry, kept: ${blobs.path(sha)} (ckpt import it to bring the image back)`,
        });
  let integrity: string;
  try {
    integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((x) => x.integrity_check).join('; ');
  } catch (e) {
    const why = dbFailure(e);
    if (why === null) throw e;
    integrity = `integrity_check cannot run: ${why}`;
  }
  try {
    const fk = db.pragma('foreign_key_check') as unknown[];
    if (fk.length) integrity += `; ${fk.length} foreign key violations`;
  } catch (e) {
    const why = dbFailure(e);
    if (why === null) throw e;
    integrity += `; foreign_key_check cannot run: ${why}`;
  }
  if (unread) damage.push(`${unread} image${unread === 1 ? "'s" : "s'"} index rows cannot be read`);
  // Damage the checker met is a finding even where integrity_check, reading other pages, says ok.
  if (damage.length) integrity = integrity === 'ok' ? `damaged: ${damage.join('; ')}` : `${integrity}; ${damage.join('; ')}`;
  progress?.(rows.length, rows.length);
  return {
    checked: rows.length,
    ok,
    problems,
    integrity,
    elapsedMs: performance.now() - t0,
  };
}
