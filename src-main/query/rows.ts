/** Packed fd index back into model shapes for display: kind names, open files for describeFile. */
import { kindByCode } from '../../src-shared/kinds/index.js';
import type { AttrRecord, BStr, OpenFile } from '../../src-shared/model/index.js';
import { BIT_DELETED, P, joinU64 } from '../store/fdpack.js';

const kindNames = new Map<number, string>();
export function kindName(code: number): string {
  let n = kindNames.get(code);
  if (n === undefined) kindNames.set(code, (n = kindByCode(code)?.name ?? 'unknown'));
  return n;
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

/** An attributes row's JSON as describeFile reads it; callers that meet one row many times cache this. */
export function parseAttrs(json: string | null): AttrRecord {
  return json ? attrsFromJson(JSON.parse(json)) : NO_ATTRS;
}

const NO_ATTRS: AttrRecord = Object.freeze({});
/** Nothing the index keeps: locks are not indexed. Frozen: shared by every file built here. */
const NO_LOCKS: never[] = Object.freeze([]) as never[];

/**
 * The open file of the fd at offset `o` of a table pack (fdpack.ts), with
 * its strings resolved; `attrs` as its row's JSON or already parsed.
 */
export function fileFromPack(p: Int32Array, o: number, path: BStr, attrs: string | AttrRecord | null): OpenFile {
  return {
    ref: p[o + P.file]!,
    kind: kindName(p[o + P.kind]!),
    path,
    flags: p[o + P.flags]!,
    mode: p[o + P.mode]! >>> 0,
    pos: joinU64(p[o + P.posHi]!, p[o + P.posLo]!),
    mntId: 0,
    dev: joinU64(p[o + P.devHi]!, p[o + P.devLo]!),
    ino: joinU64(p[o + P.inoHi]!, p[o + P.inoLo]!),
    rdev: joinU64(p[o + P.rdevHi]!, p[o + P.rdevLo]!),
    size: joinU64(p[o + P.sizeHi]!, p[o + P.sizeLo]!),
    nlink: p[o + P.nlink]! >>> 0,
    deleted: (p[o + P.bits]! & BIT_DELETED) !== 0,
    sharingInferred: false,
    locks: NO_LOCKS,
    attrs: typeof attrs === 'string' || attrs === null ? parseAttrs(attrs) : attrs,
  };
}
