/**
 * Encodes and decodes a kind's attribute body from its declaration in
 * src-shared/kinds: one codec for every kind, so a handler is a list of
 * fields. Lists carry a u32 count; objref fields are remapped through the
 * object hash on write and checked against written objects on read. The
 * writer always writes every field; the reader defaults the ones an older
 * minor version did not have.
 */
import type { AttrRecord, AttrValue, OpenFile } from '../../src-shared/model/index.js';
import { emptyAttrs, emptyValue, type Field, type KindSpec, type ScalarField } from '../../src-shared/kinds/index.js';
import { ModelError } from './errors.js';
import type { RecordWriter } from './record-writer.js';
import type { BodyCursor } from './body-cursor.js';

/** Smallest encoded size of a scalar, used to bound list counts on read. */
const MIN_SIZE: Record<ScalarField['type'], number> = { u8: 1, u16: 2, u32: 4, i32: 4, u64: 8, bool: 1, bstr: 4, objref: 4 };

export type MapRef = (ref: number, from: OpenFile) => number;

// A function of its own, not a closure per call: writeScalar runs for every attribute of every file.
function bad(file: OpenFile, f: ScalarField, v: AttrValue | undefined): ModelError {
  return new ModelError(`file ${file.ref} (${file.kind}) attribute ${f.name}: expected ${f.type}, got ${typeof v}`);
}

function writeScalar(w: RecordWriter, f: ScalarField, v: AttrValue | undefined, mapRef: MapRef, file: OpenFile): void {
  switch (f.type) {
    case 'u8':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) throw bad(file, f, v);
      return w.u8(v);
    case 'u16':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535) throw bad(file, f, v);
      return w.u16(v);
    case 'u32':
      if (typeof v !== 'number') throw bad(file, f, v);
      return w.u32(v);
    case 'i32':
      if (typeof v !== 'number') throw bad(file, f, v);
      return w.i32(v);
    case 'u64':
      if (typeof v !== 'number' && typeof v !== 'bigint') throw bad(file, f, v);
      return w.u64(v);
    case 'bool':
      if (typeof v !== 'boolean') throw bad(file, f, v);
      return w.u8(v ? 1 : 0);
    case 'bstr':
      if (typeof v !== 'string' && !(v instanceof Uint8Array)) throw bad(file, f, v);
      return w.bstr(v);
    case 'objref':
      if (typeof v !== 'number') throw bad(file, f, v);
      return w.u32(v === 0 ? 0 : mapRef(v, file));
  }
}

export function writeAttrs(w: RecordWriter, spec: KindSpec, file: OpenFile, mapRef: MapRef): void {
  const attrs = file.attrs;
  // Indexed loops: this runs for most files, largely before the JIT has
  // compiled it, and for-of would allocate per step there (see writer.ts).
  const fields = spec.fields;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const v = attrs[f.name];
    if (f.type !== 'list') {
      writeScalar(w, f, v, mapRef, file);
      continue;
    }
    if (!Array.isArray(v)) throw new ModelError(`file ${file.ref} (${file.kind}) attribute ${f.name}: expected a list`);
    w.u32(v.length);
    for (let j = 0; j < v.length; j++) {
      const item = v[j];
      if (typeof item !== 'object' || item === null)
        throw new ModelError(`file ${file.ref} (${file.kind}) attribute ${f.name}: list items must be records`);
      for (let k = 0; k < f.of.length; k++) writeScalar(w, f.of[k]!, item[f.of[k]!.name], mapRef, file);
    }
  }
}

/** Whether a kind has objref attributes (and so may need other files written first). */
export function hasRefFields(spec: KindSpec): boolean {
  return spec.fields.some((f) => f.type === 'objref' || (f.type === 'list' && f.of.some((s) => s.type === 'objref')));
}

/** File refs an attribute body points at: they must be written first. */
export function attrRefs(spec: KindSpec, attrs: AttrRecord): number[] {
  const out: number[] = [];
  for (const f of spec.fields) {
    if (f.type === 'objref' && typeof attrs[f.name] === 'number' && attrs[f.name]) out.push(attrs[f.name] as number);
    if (f.type === 'list' && Array.isArray(attrs[f.name]))
      for (const sub of f.of)
        if (sub.type === 'objref') for (const item of attrs[f.name] as AttrRecord[]) if (item[sub.name]) out.push(item[sub.name] as number);
  }
  return out;
}

function readScalar(c: BodyCursor, f: ScalarField, checkRef: (ref: number) => void): AttrValue {
  switch (f.type) {
    case 'u8':
      return c.u8();
    case 'u16':
      return c.u16();
    case 'u32':
      return c.u32();
    case 'i32':
      return c.i32();
    case 'u64':
      return c.u64();
    case 'bool': {
      const b = c.u8();
      if (b > 1) c.fail('bad-value', `${f.name}: boolean byte ${b}`);
      return b === 1;
    }
    case 'bstr':
      return c.shortBstr();
    case 'objref': {
      const r = c.u32();
      if (r !== 0) checkRef(r);
      return r;
    }
  }
}

function minSize(fields: ScalarField[]): number {
  return fields.reduce((n, f) => n + MIN_SIZE[f.type], 0);
}

/**
 * `minor` is the image's format minor: a field added after it (`since`) may
 * be missing, but only where the body has ended, so a body cut inside a
 * field, or short of one its version promises, is still an error.
 */
/**
 * Each kind's maker of attribute objects with every field in the object
 * itself. Built up from {} a field at a time, an object keeps its fields
 * past the fourth in an array of their own: an inet socket's 12 fields took
 * 152 bytes instead of 128, over an image of a million fds tens of MB of a
 * decode that has to stay under 400 MB. What it makes is a plain object
 * (its prototype is Object.prototype), equal to one built from {}.
 */
const makers = new WeakMap<KindSpec, () => AttrRecord>();
function attrMaker(spec: KindSpec): () => AttrRecord {
  let make = makers.get(spec);
  if (!make) {
    // The body names the kind's own fields, each quoted: no text from an image.
    const Attrs = new Function(spec.fields.map((f) => `this[${JSON.stringify(f.name)}] = undefined;`).join('\n')) as new () => AttrRecord;
    Attrs.prototype = Object.prototype;
    make = () => new Attrs();
    makers.set(spec, make);
  }
  return make;
}

/**
 * Per kind of scalar attributes only, one frozen object with every field
 * empty: what a file whose attributes are all empty (every regular file of
 * an image without allocated blocks: older ones, simulations, CRIU dumps)
 * decodes to, shared, as files of a kind without attributes share one.
 * Format 1.7's two attributes of regular files would otherwise cost an
 * object per file (most of a large image's fds).
 */
const emptyShared = new WeakMap<KindSpec, AttrRecord | null>();
function sharedEmpty(spec: KindSpec): AttrRecord | null {
  let e = emptyShared.get(spec);
  if (e === undefined) {
    e = spec.fields.some((f) => f.type === 'list') ? null : Object.freeze(Object.assign(attrMaker(spec)(), emptyAttrs(spec)));
    emptyShared.set(spec, e);
  }
  return e;
}

/** Values of the fields being read, before it is known whether they need an object of their own. */
const scratch: AttrValue[] = [];

export function readAttrs(c: BodyCursor, spec: KindSpec, checkRef: (ref: number) => void, minor: number): AttrRecord {
  const empty = sharedEmpty(spec);
  if (!empty) return readAttrsFresh(c, spec, checkRef, minor);
  // Scalars only: read into the scratch values and make an object only for
  // a file with something to say (most regular files of a large image have
  // nothing: a short-lived object each cost about a tenth of decoding).
  const fields = spec.fields;
  let same = true;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as ScalarField;
    let v: AttrValue;
    if (c.remaining === 0) {
      if ((f.since ?? 0) <= minor) c.fail('bad-length', `${spec.name} attribute ${f.name}: the record body ends before it`);
      v = emptyValue(f);
    } else v = readScalar(c, f, checkRef);
    scratch[i] = v;
    if (v !== empty[f.name]) same = false;
  }
  if (same) return empty;
  const out = attrMaker(spec)();
  for (let i = 0; i < fields.length; i++) out[fields[i]!.name] = scratch[i]!;
  return out;
}

function readAttrsFresh(c: BodyCursor, spec: KindSpec, checkRef: (ref: number) => void, minor: number): AttrRecord {
  const out = attrMaker(spec)();
  for (const f of spec.fields) {
    if (c.remaining === 0) {
      if ((f.since ?? 0) > minor) {
        out[f.name] = emptyValue(f);
        continue;
      }
      c.fail('bad-length', `${spec.name} attribute ${f.name}: the record body ends before it`);
    }
    if (f.type !== 'list') {
      out[f.name] = readScalar(c, f, checkRef);
      continue;
    }
    const n = c.count(Math.max(1, minSize(f.of)), f.name);
    const items: AttrRecord[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const item: AttrRecord = {};
      for (const sub of f.of) item[sub.name] = readScalar(c, sub, checkRef);
      items[i] = item;
    }
    out[f.name] = items;
  }
  return out;
}

export type { Field };
