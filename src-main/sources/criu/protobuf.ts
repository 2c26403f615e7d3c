/**
 * A small protocol buffers wire decoder for CRIU's images: varints,
 * length-delimited fields (strings, bytes, sub-messages, packed repeated
 * scalars), fixed32 and fixed64. Each message is decoded against a table of
 * the fields this source uses (messages.ts); other fields are skipped by
 * their wire type, as protobuf's own readers do, so newer CRIU images with
 * more fields still read. Every length is checked against the bytes there
 * are; a bad byte is a CriuError with the file and absolute offset.
 */
import { CriuError } from './errors.js';

/** How a field's value is read and kept. */
export type FieldType =
  | 'uint32' // varint, kept as a number (u32)
  | 'int32' // varint, two's complement 32-bit
  | 'sint32' // zigzag varint
  | 'uint64' // varint, number while safe, else bigint
  | 'int64' // varint, two's complement 64-bit: number while safe, else bigint
  | 'bool'
  | 'enum' // varint, as a number
  | 'string' // CRIU's "string": raw bytes (CRIU writes names byte for byte), kept as Uint8Array
  | 'bytes'
  | 'fixed32'
  | 'fixed64'
  | 'message';

export interface FieldSpec {
  name: string;
  type: FieldType;
  repeated?: boolean;
  /** For 'message': the fields of the sub-message. */
  of?: MessageSpec;
}

/** A message's fields by field number. */
export interface MessageSpec {
  name: string;
  fields: Record<number, FieldSpec>;
  /** Field numbers that must be present (proto2 `required` ones this source relies on). */
  required?: number[];
}

export type Value = number | bigint | boolean | Uint8Array | Message;
export interface Message {
  [name: string]: Value | Value[] | undefined;
}

const TWO64 = 1n << 64n;
/** No repeated field of a message this source reads holds more (a process's threads, an epoll's watches): past it, a hostile entry, refused before it fills the heap. */
export const MAX_REPEATED = 1 << 21;

/** Where a decode is: the file (for messages) and the absolute offset of bytes[0]. */
export interface Origin {
  file: string;
  base: number;
}

class Cursor {
  pos: number;
  constructor(
    readonly b: Uint8Array,
    start: number,
    readonly end: number,
    readonly origin: Origin,
    readonly msg: string,
  ) {
    this.pos = start;
  }
  fail(detail: string, at = this.pos): never {
    throw new CriuError(this.origin.file, this.origin.base + at, `${this.msg}: ${detail}`);
  }
  /** A varint as a bigint (at most 10 bytes). */
  varint(): bigint {
    const start = this.pos;
    let v = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('varint runs past the end of the message', start);
      const c = this.b[this.pos++]!;
      v |= BigInt(c & 0x7f) << BigInt(7 * i);
      if ((c & 0x80) === 0) return v & (TWO64 - 1n);
    }
    return this.fail('varint longer than 10 bytes', start);
  }
  /** A small varint (a tag or a length) as a number. */
  smallVarint(what: string): number {
    const start = this.pos;
    const v = this.varint();
    if (v > 0xffffffffn) this.fail(`${what} ${v} is out of range`, start);
    return Number(v);
  }
  take(n: number, what: string): [number, number] {
    if (n > this.end - this.pos) this.fail(`${what} of ${n} bytes runs past the end of the message (${this.end - this.pos} left)`);
    const s = this.pos;
    this.pos += n;
    return [s, this.pos];
  }
}

/** A 64-bit value as a number while it is safe, else as the bigint. */
export function numberIfSafe(v: bigint): number | bigint {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function scalar(c: Cursor, f: FieldSpec, wire: number, at: number): Value {
  const want =
    f.type === 'fixed32' ? 5 : f.type === 'fixed64' ? 1 : f.type === 'string' || f.type === 'bytes' || f.type === 'message' ? 2 : 0;
  if (wire !== want) c.fail(`field ${f.name} has wire type ${wire}, expected ${want}`, at);
  switch (f.type) {
    case 'uint32': {
      const v = c.varint();
      return Number(v & 0xffffffffn);
    }
    case 'enum':
    case 'int32': {
      const v = Number(c.varint() & 0xffffffffn);
      return v | 0;
    }
    case 'sint32': {
      const v = Number(c.varint() & 0xffffffffn);
      return (v >>> 1) ^ -(v & 1);
    }
    case 'uint64':
      return numberIfSafe(c.varint());
    case 'int64': {
      const v = c.varint();
      const s = v >= 1n << 63n ? v - TWO64 : v;
      return s >= BigInt(Number.MIN_SAFE_INTEGER) && s <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(s) : s;
    }
    case 'bool':
      return c.varint() !== 0n;
    case 'fixed32': {
      const [s] = c.take(4, `field ${f.name}`);
      return (c.b[s]! | (c.b[s + 1]! << 8) | (c.b[s + 2]! << 16) | (c.b[s + 3]! << 24)) >>> 0;
    }
    case 'fixed64': {
      const [s] = c.take(8, `field ${f.name}`);
      let v = 0n;
      for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(c.b[s + i]!);
      return numberIfSafe(v);
    }
    case 'string':
    case 'bytes': {
      const n = c.smallVarint('length');
      const [s, e] = c.take(n, `field ${f.name}`);
      return c.b.slice(s, e);
    }
    case 'message': {
      const n = c.smallVarint('length');
      const [s, e] = c.take(n, `field ${f.name}`);
      return decodeRange(c.b, s, e, f.of!, c.origin);
    }
  }
}

function skip(c: Cursor, wire: number, at: number): void {
  switch (wire) {
    case 0:
      c.varint();
      return;
    case 1:
      c.take(8, 'fixed64 field');
      return;
    case 2:
      c.take(c.smallVarint('length'), 'length-delimited field');
      return;
    case 5:
      c.take(4, 'fixed32 field');
      return;
    default:
      c.fail(`unsupported wire type ${wire}`, at);
  }
}

function decodeRange(b: Uint8Array, start: number, end: number, spec: MessageSpec, origin: Origin): Message {
  const c = new Cursor(b, start, end, origin, spec.name);
  const out: Message = {};
  while (c.pos < end) {
    const at = c.pos;
    const tag = c.smallVarint('tag');
    const num = tag >>> 3;
    const wire = tag & 7;
    if (num === 0) c.fail('field number 0', at);
    const f = spec.fields[num];
    if (!f) {
      skip(c, wire, at);
      continue;
    }
    if (f.repeated) {
      const list = (out[f.name] as Value[] | undefined) ?? (out[f.name] = []);
      // Packed repeated scalars: one length-delimited run of values.
      if (wire === 2 && f.type !== 'string' && f.type !== 'bytes' && f.type !== 'message') {
        const n = c.smallVarint('length');
        const [s, e] = c.take(n, `packed field ${f.name}`);
        const inner = new Cursor(b, s, e, origin, spec.name);
        const w = f.type === 'fixed32' ? 5 : f.type === 'fixed64' ? 1 : 0;
        while (inner.pos < e) {
          if (list.length === MAX_REPEATED) inner.fail(`field ${f.name} repeats more than ${MAX_REPEATED} times`);
          list.push(scalar(inner, f, w, inner.pos));
        }
      } else {
        if (list.length === MAX_REPEATED) c.fail(`field ${f.name} repeats more than ${MAX_REPEATED} times`, at);
        list.push(scalar(c, f, wire, at));
      }
    } else out[f.name] = scalar(c, f, wire, at);
  }
  for (const n of spec.required ?? []) {
    const f = spec.fields[n]!;
    if (out[f.name] === undefined) c.fail(`required field ${f.name} (${n}) is missing`, start);
  }
  return out;
}

/** Decodes `bytes[start, end)` as `spec`; `base` is the file offset of bytes[0]. */
export function decodeMessage(bytes: Uint8Array, spec: MessageSpec, origin: Origin, start = 0, end = bytes.length): Message {
  return decodeRange(bytes, start, end, spec, origin);
}
