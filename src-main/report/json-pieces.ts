/**
 * JSON.stringify(v, null, 1), in pieces. A JSON string of an image of 1.3
 * million fds is longer than V8's longest string (2^29 characters), so
 * `show --json` and `export --format json` of one failed with "Invalid
 * string length"; written piece by piece, each piece is one element of the
 * value's big arrays. The text is the same, byte for byte.
 */

/** Arrays and objects this deep or less are opened here; what is inside them is stringified whole. */
const STREAM_DEPTH = 2;

export function* jsonPieces(v: unknown): Generator<string> {
  yield* piecesOf(v, 0);
}

function plainContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  return typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
function skipped(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

function* piecesOf(v: unknown, depth: number): Generator<string> {
  if (depth >= STREAM_DEPTH || !plainContainer(v)) {
    const s = JSON.stringify(v, null, 1);
    yield depth ? s.replace(/\n/g, `\n${' '.repeat(depth)}`) : s;
    return;
  }
  const inner = `\n${' '.repeat(depth + 1)}`;
  if (Array.isArray(v)) {
    if (!v.length) {
      yield '[]';
      return;
    }
    yield '[';
    for (let i = 0; i < v.length; i++) {
      yield i ? `,${inner}` : inner;
      const e = v[i];
      if (skipped(e)) yield 'null';
      else yield* piecesOf(e, depth + 1);
    }
    yield `\n${' '.repeat(depth)}]`;
    return;
  }
  const keys = Object.keys(v).filter((k) => !skipped(v[k]));
  if (!keys.length) {
    yield '{}';
    return;
  }
  yield '{';
  for (let i = 0; i < keys.length; i++) {
    yield `${i ? ',' : ''}${inner}${JSON.stringify(keys[i])}: `;
    yield* piecesOf(v[keys[i]!], depth + 1);
  }
  yield `\n${' '.repeat(depth)}}`;
}

/** Pieces of text joined into parts of about `size` characters each. */
export function* batched(pieces: Iterable<string>, size = 1 << 18): Generator<string> {
  let buf: string[] = [];
  let n = 0;
  for (const p of pieces) {
    buf.push(p);
    n += p.length;
    if (n >= size) {
      yield buf.join('');
      buf = [];
      n = 0;
    }
  }
  if (buf.length) yield buf.join('');
}
