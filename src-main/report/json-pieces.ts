/**
 * JSON.stringify(v, null, 1), in pieces. A JSON string of an image of 1.3
 * million fds is longer than V8's longest string (2^29 characters), so
 * `show --json` and `export --format json` of one failed with "Invalid
 * string length"; written piece by piece, each piece is one element of the
 * value's big arrays. The text is the same, byte for byte.
 */

/**
 * Containers are opened here down to this depth, and deeper an array longer
 * than BIG_ARRAY or an object holding one (a diff's changes of one process,
 * the holders of one file); anything else is stringified whole.
 */
const STREAM_DEPTH = 2;
const BIG_ARRAY = 256;

export function* jsonPieces(v: unknown): Generator<string> {
  const r = resolve(v, '');
  if (!skipped(r)) yield* piecesOf(r, 0);
}

/** What JSON.stringify writes in place of `v` under `key`: its toJSON's result (a LazyDiff's built diff). */
function resolve(v: unknown, key: string): unknown {
  return typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function'
    ? (v as { toJSON(k: string): unknown }).toJSON(key)
    : v;
}

/** An array or object JSON writes member by member (not a boxed number, string or boolean). */
function container(v: unknown): v is Record<string, unknown> | unknown[] {
  return typeof v === 'object' && v !== null && !(v instanceof Number || v instanceof String || v instanceof Boolean);
}

/** A long array, or an object with one as a member (a sharing change's holders). */
function big(v: Record<string, unknown> | unknown[]): boolean {
  if (Array.isArray(v)) return v.length > BIG_ARRAY;
  for (const k in v) {
    const m = v[k];
    if (Array.isArray(m) && m.length > BIG_ARRAY) return true;
  }
  return false;
}

/** How many members from `i` on (at most RUN) are plain primitives or small objects without toJSON, stringified as one piece. */
const RUN = 256;
function smallRun(v: unknown[], i: number): number {
  let n = 0;
  while (n < RUN && i + n < v.length) {
    const e = v[i + n];
    if (typeof e === 'object' && e !== null && (typeof (e as { toJSON?: unknown }).toJSON === 'function' || !flat(e))) break;
    if (skipped(e)) break;
    n++;
  }
  return n;
}

/** An object or array whose members are all primitives (null included). */
function flat(o: object): boolean {
  for (const k in o) {
    const m = (o as Record<string, unknown>)[k];
    if (typeof m === 'object' && m !== null) return false;
  }
  return true;
}

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
function skipped(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/** `v` already resolved (resolve()). */
function* piecesOf(v: unknown, depth: number): Generator<string> {
  const open = container(v) && (depth < STREAM_DEPTH || big(v));
  if (!open) {
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
    for (let i = 0; i < v.length;) {
      // A run of small plain members (a sharing change's holders) in one
      // JSON.stringify: a piece per holder made a leak's diff crawl.
      const run = smallRun(v, i);
      if (run > 1) {
        const body = JSON.stringify(v.slice(i, i + run), null, 1).slice(2, -2);
        yield `${i ? ',' : ''}\n${' '.repeat(depth)}${depth ? body.replace(/\n/g, `\n${' '.repeat(depth)}`) : body}`;
        i += run;
        continue;
      }
      yield i ? `,${inner}` : inner;
      const e = resolve(v[i], String(i));
      if (skipped(e)) yield 'null';
      else yield* piecesOf(e, depth + 1);
      i++;
    }
    yield `\n${' '.repeat(depth)}]`;
    return;
  }
  // toJSON once per member, as JSON.stringify calls it, before knowing which are left out.
  const members: [string, unknown][] = [];
  for (const k of Object.keys(v)) {
    const e = resolve(v[k], k);
    if (!skipped(e)) members.push([k, e]);
  }
  if (!members.length) {
    yield '{}';
    return;
  }
  yield '{';
  for (let i = 0; i < members.length; i++) {
    yield `${i ? ',' : ''}${inner}${JSON.stringify(members[i]![0])}: `;
    yield* piecesOf(members[i]![1], depth + 1);
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
