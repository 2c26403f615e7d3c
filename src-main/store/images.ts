/** Image rows: to ImageSummary, and resolving what a person types (id, prefix, label) to one image. */
import type { ImageFilter, ImageSummary } from '../../src-shared/store-types.js';
import type { SourceKind } from '../../src-shared/model/index.js';
import type { DB } from './db.js';
import { StoreError, quoted } from './errors.js';

export interface ImageRow {
  id: number;
  sha256: string;
  label: string;
  note: string;
  capture_time: number;
  imported_time: number;
  source: string;
  host: string;
  arch: string;
  kernel: string;
  frozen: number;
  options: string;
  program: string;
  n_tasks: number;
  n_tables: number;
  n_fds: number;
  n_files: number;
  n_errors: number;
  size: number;
  tags: string | null;
}

export const IMAGE_COLS = `i.*, (SELECT group_concat(tag, char(10)) FROM (SELECT tag FROM tags t WHERE t.image_id = i.id ORDER BY tag)) AS tags`;

export function toSummary(r: ImageRow): ImageSummary {
  return {
    id: r.sha256,
    label: r.label,
    tags: r.tags ? r.tags.split('\n') : [],
    note: r.note,
    captureTime: r.capture_time,
    importedTime: r.imported_time,
    source: r.source as SourceKind,
    host: r.host,
    arch: r.arch,
    kernelRelease: r.kernel,
    frozen: r.frozen === 1,
    options: JSON.parse(r.options) as Record<string, string>,
    program: r.program,
    taskCount: r.n_tasks,
    fdTableCount: r.n_tables,
    fdCount: r.n_fds,
    fileCount: r.n_files,
    errorCount: r.n_errors,
    size: r.size,
  };
}

const SORTS: Record<string, string> = {
  captureTime: 'i.capture_time',
  importedTime: 'i.imported_time',
  label: 'i.label',
  fdCount: 'i.n_fds',
  size: 'i.size',
};

/** Filter fields that are one condition with one parameter. */
const CONDS: [keyof ImageFilter, string][] = [
  ['label', 'i.label = ?'],
  ['tag', 'EXISTS (SELECT 1 FROM tags t WHERE t.image_id = i.id AND t.tag = ?)'],
  ['since', 'i.capture_time >= ?'],
  ['until', 'i.capture_time <= ?'],
  ['host', 'i.host = ?'],
  ['program', 'i.program = ?'],
  ['source', 'i.source = ?'],
];

function filterSql(f: ImageFilter): { where: string; params: unknown[] } {
  const conds: string[] = [];
  const params: unknown[] = [];
  for (const [k, c] of CONDS)
    if (f[k] !== undefined) {
      conds.push(c);
      params.push(f[k]);
    }
  if (f.text) {
    conds.push(
      "(instr(lower(i.label), ?) OR instr(lower(i.note), ?) OR instr(lower(i.host), ?) OR instr(lower(i.program), ?) OR i.sha256 LIKE ? || '%')",
    );
    const t = f.text.toLowerCase();
    params.push(t, t, t, t, t);
  }
  return { where: conds.length ? `WHERE ${conds.join(' AND ')}` : '', params };
}

export function listImages(db: DB, f: ImageFilter): ImageSummary[] {
  checkFilter(f);
  const { where, params } = filterSql(f);
  const col = SORTS[f.sort ?? 'captureTime'];
  if (!col) throw new StoreError('bad-argument', `cannot sort by "${String(f.sort)}"; use one of ${Object.keys(SORTS).join(', ')}`);
  const dir =
    f.desc === false ? 'ASC' : f.desc === true || !f.sort || f.sort === 'captureTime' || f.sort === 'importedTime' ? 'DESC' : 'ASC';
  const limit = f.limit ?? -1;
  const offset = f.offset ?? 0;
  const rows = db
    .prepare(`SELECT ${IMAGE_COLS} FROM images i ${where} ORDER BY ${col} ${dir}, i.id ${dir} LIMIT ? OFFSET ?`)
    .all(...params, limit, offset) as ImageRow[];
  return rows.map(toSummary);
}

export function countImages(db: DB, f: ImageFilter): number {
  checkFilter(f);
  const { where, params } = filterSql(f);
  return db
    .prepare(`SELECT count(*) FROM images i ${where}`)
    .pluck()
    .get(...params) as number;
}

function checkFilter(f: ImageFilter): void {
  if (f === null || typeof f !== 'object') throw new StoreError('bad-argument', 'the image filter must be an object');
  for (const k of ['limit', 'offset', 'since', 'until'] as const) {
    const v = f[k];
    if (
      v !== undefined &&
      (typeof v !== 'number' || !Number.isFinite(v) || (k !== 'since' && k !== 'until' && (v < 0 || !Number.isInteger(v))))
    )
      throw new StoreError(
        'bad-argument',
        `filter.${k} must be a ${k === 'since' || k === 'until' ? 'time in ms' : 'non-negative integer'}, got ${String(v)}`,
      );
  }
}

/**
 * Finds one image by full id, exact label (the most recent capture when
 * several share it), or unique id prefix of 2+ hex digits, in that order.
 */
export function resolveImage(db: DB, ref: string): ImageRow {
  if (typeof ref !== 'string' || ref === '') throw new StoreError('bad-argument', 'an image id, id prefix or label is required');
  const lower = ref.toLowerCase();
  if (/^[0-9a-f]{64}$/.test(lower)) {
    const row = db.prepare(`SELECT ${IMAGE_COLS} FROM images i WHERE i.sha256 = ?`).get(lower) as ImageRow | undefined;
    if (row) return row;
  }
  const byLabel = db
    .prepare(`SELECT ${IMAGE_COLS} FROM images i WHERE i.label = ? ORDER BY i.capture_time DESC, i.id DESC LIMIT 1`)
    .get(ref) as ImageRow | undefined;
  if (byLabel) return byLabel;
  if (/^[0-9a-f]{2,63}$/.test(lower)) {
    // Up to five of them named, by 12 digits (more where the prefix given is longer), so the next try can pick one.
    const rows = db
      .prepare(`SELECT ${IMAGE_COLS} FROM images i WHERE i.sha256 >= ? AND i.sha256 < ? ORDER BY i.sha256 LIMIT 6`)
      .all(lower, lower + 'g') as ImageRow[];
    if (rows.length === 1) return rows[0]!;
    if (rows.length > 1) {
      const ids = rows.slice(0, 5).map((r) => r.sha256.slice(0, Math.max(12, lower.length + 2)));
      throw new StoreError(
        'ambiguous-id',
        `image id prefix ${quoted(ref)} matches more than one image (${ids.join(', ')}${rows.length > 5 ? ', ...' : ''}); give more digits`,
      );
    }
  }
  throw new StoreError('not-found', `no image ${quoted(ref)} in the library (give an id, an id prefix of 2+ hex digits, or a label)`);
}
