/** Index rows back into model shapes for display: kind names, files for describeFile, u64 values. */
import { kindByCode } from '../../src-shared/kinds/index.js';
import type { AttrRecord, BStr, OpenFile } from '../../src-shared/model/index.js';
import type { U64Json } from '../../src-shared/store-types.js';

const kindNames = new Map<number, string>();
export function kindName(code: number): string {
  let n = kindNames.get(code);
  if (n === undefined) kindNames.set(code, (n = kindByCode(code)?.name ?? 'unknown'));
  return n;
}

export function u64FromDb(v: unknown): U64Json {
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  return 0;
}

function u64(v: unknown): number | bigint {
  return typeof v === 'string' ? BigInt(v) : typeof v === 'number' ? v : 0;
}

/** Raw-byte attribute values come back from JSON as {text, hex}: describe them by their escaped text. */
function attrsFromJson(j: unknown): AttrRecord {
  if (!j || typeof j !== 'object') return {};
  const out: AttrRecord = {};
  for (const [k, v] of Object.entries(j as Record<string, unknown>)) {
    if (Array.isArray(v)) out[k] = v.map(attrsFromJson);
    else if (v && typeof v === 'object' && 'text' in v) out[k] = String((v as { text: unknown }).text);
    else out[k] = v as number | string | boolean;
  }
  return out;
}

export interface FileRow {
  ref: number;
  kind: number;
  path: BStr;
  flags: number;
  mode: number;
  pos: unknown;
  dev: unknown;
  ino: unknown;
  rdev?: unknown;
  size: unknown;
  nlink: number;
  deleted: number;
  attrs: string | null;
}

/** Enough of an OpenFile for describeFile and the JSON forms. */
export function fileFromRow(r: FileRow): OpenFile {
  return {
    ref: r.ref,
    kind: kindName(r.kind),
    path: r.path,
    flags: r.flags,
    mode: r.mode,
    pos: u64(r.pos),
    mntId: 0,
    dev: u64(r.dev),
    ino: u64(r.ino),
    rdev: u64(r.rdev),
    size: u64(r.size),
    nlink: r.nlink,
    deleted: r.deleted === 1,
    sharingInferred: false,
    locks: [],
    attrs: r.attrs ? attrsFromJson(JSON.parse(r.attrs)) : {},
  };
}
