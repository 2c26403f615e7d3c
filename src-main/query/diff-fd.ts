/**
 * One side of a changed fd as the diff shows it (DiffFd), from its image's
 * pack and the strings read for the diff. Built only when a diff's details
 * are asked for: a diff of two unrelated images holds 200,000 of them.
 */
import { bstrFromJson, bstrToJson, describeFile, formatFlags } from '../../src-shared/model/index.js';
import type { AttrRecord, BStr, BStrJson } from '../../src-shared/model/index.js';
import type { DiffFd } from '../../src-shared/store-types.js';
import type { LibraryContext } from '../store/context.js';
import { BIT_CLOEXEC, P, PACK_FIELDS } from '../store/fdpack.js';
import { fileFromPack, parseAttrs } from './rows.js';

/** An attributes row's JSON with each raw-byte value ({text, hex}) as its bytes. */
function withBytes(j: unknown): AttrRecord {
  if (!j || typeof j !== 'object') return {};
  const out: AttrRecord = {};
  for (const [k, v] of Object.entries(j as Record<string, unknown>)) {
    if (Array.isArray(v)) out[k] = v.map(withBytes);
    else if (v && typeof v === 'object' && 'hex' in v) out[k] = bstrFromJson(v as BStrJson);
    else out[k] = v as number | string | boolean;
  }
  return out;
}

/**
 * The distinct non-zero values of one pack field at the given fd indexes,
 * ascending: marked in a bitmap over their span (ids are row ids, dense
 * enough), which is several times faster than a Set of 200,000 numbers.
 */
function distinctAt(marks: { pack: Int32Array; at: ArrayLike<number> }[], field: number): number[] {
  let hi = 0;
  for (const { pack, at } of marks)
    for (let k = 0; k < at.length; k++) {
      const v = pack[at[k]! * PACK_FIELDS + field]!;
      if (v > hi) hi = v;
    }
  const seen = new Uint8Array(hi + 1);
  for (const { pack, at } of marks) for (let k = 0; k < at.length; k++) seen[pack[at[k]! * PACK_FIELDS + field]!] = 1;
  const out: number[] = [];
  for (let id = 1; id <= hi; id++) if (seen[id]) out.push(id);
  return out;
}

export class FdNames {
  private readonly paths = new Map<number, BStr>();
  private readonly attrJson = new Map<number, BStr>();
  private readonly parsedAttrs = new Map<number, AttrRecord>();
  private readonly bytesAttrs = new Map<number, AttrRecord>();
  private readonly flagText = new Map<number, string>();

  /**
   * Reads, in one query each, the path and attribute text of every fd the
   * diff may show (`marks`: fd indexes into each pack): the result outlives
   * the read transaction, and the store may be closed before it is shown.
   */
  constructor(ctx: LibraryContext, marks: { pack: Int32Array; at: ArrayLike<number> }[]) {
    ctx.strings.values(distinctAt(marks, P.path), this.paths);
    ctx.attrs.values(distinctAt(marks, P.attrs), this.attrJson);
  }

  flagNames(flags: number): string {
    let names = this.flagText.get(flags);
    if (names === undefined) this.flagText.set(flags, (names = formatFlags(flags)));
    return names;
  }

  /** The kind attributes of the fd at index `i` of pack `p` (null: none). */
  attrs(p: Int32Array, i: number): AttrRecord | null {
    const attrsId = p[i * PACK_FIELDS + P.attrs]!;
    if (!attrsId) return null;
    let attrs = this.parsedAttrs.get(attrsId) ?? null;
    if (!attrs) {
      const json = this.attrJson.get(attrsId);
      this.parsedAttrs.set(attrsId, (attrs = parseAttrs(typeof json === 'string' ? json : null)));
    }
    return attrs;
  }

  /**
   * The kind attributes of the fd at index `i` of pack `p` with names as
   * their bytes (a name that is not UTF-8 a Uint8Array, not its escaped
   * text as attrs() gives it): what a state change compares and shows.
   */
  stateAttrs(p: Int32Array, i: number): AttrRecord | null {
    const attrsId = p[i * PACK_FIELDS + P.attrs]!;
    if (!attrsId) return null;
    let attrs = this.bytesAttrs.get(attrsId);
    if (!attrs) {
      const json = this.attrJson.get(attrsId);
      this.bytesAttrs.set(attrsId, (attrs = typeof json === 'string' ? withBytes(JSON.parse(json)) : {}));
    }
    return attrs;
  }

  /** The fd at index `i` of pack `p`. */
  fd(p: Int32Array, i: number): DiffFd {
    const o = i * PACK_FIELDS;
    const path = this.paths.get(p[o + P.path]!) ?? '';
    const f = fileFromPack(p, o, path, this.attrs(p, i));
    return {
      fd: p[o + P.fd]!,
      kind: f.kind,
      target: describeFile(f),
      path: bstrToJson(path),
      flags: f.flags,
      flagNames: this.flagNames(f.flags),
      pos: typeof f.pos === 'bigint' ? f.pos.toString() : f.pos,
      cloexec: (p[o + P.bits]! & BIT_CLOEXEC) !== 0,
      deleted: f.deleted,
      fileRef: f.ref,
    };
  }
}
