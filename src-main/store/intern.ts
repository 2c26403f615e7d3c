/**
 * Interned byte strings: one strs row per distinct exact byte string. A JS
 * string (valid UTF-8) binds as TEXT, raw bytes as BLOB, so the two never
 * collide and raw names keep their exact bytes.
 */
import type { BStr } from '../../src-shared/model/index.js';
import { bstrFromBytes, bytesToHex } from '../../src-shared/model/index.js';
import type { DB } from './db.js';
import type Database from 'better-sqlite3';

const CACHE_MAX = 2_000_000;

export class Interner {
  private readonly text = new Map<string, number>();
  private readonly raw = new Map<string, number>();
  private readonly sel: Database.Statement;
  private readonly ins: Database.Statement;
  private readonly get: Database.Statement;
  private readonly db: DB;
  private readonly table: 'strs' | 'attrs';

  /** `table` is strs (names) or attrs (kind attributes as JSON); both have (id, b UNIQUE). */
  constructor(db: DB, table: 'strs' | 'attrs' = 'strs') {
    this.db = db;
    this.table = table;
    this.sel = db.prepare(`SELECT id FROM ${table} WHERE b = ?`).pluck();
    this.ins = db.prepare(`INSERT OR IGNORE INTO ${table}(b) VALUES (?)`);
    this.get = db.prepare(`SELECT b FROM ${table} WHERE id = ?`).pluck();
  }

  /** Id of the string, inserting it when new. Call inside a write transaction. */
  id(b: BStr): number {
    if (typeof b === 'string') {
      let id = this.text.get(b);
      if (id === undefined) {
        id = this.lookupOrInsert(b);
        if (this.text.size >= CACHE_MAX) this.text.clear();
        this.text.set(b, id);
      }
      return id;
    }
    const key = bytesToHex(b);
    let id = this.raw.get(key);
    if (id === undefined) {
      id = this.lookupOrInsert(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
      if (this.raw.size >= CACHE_MAX) this.raw.clear();
      this.raw.set(key, id);
    }
    return id;
  }

  // Insert first: most strings an import has not seen (paths, socket
  // names) are new to the library too, and then one statement does it,
  // where a look-up first took two (a third of a live capture's ingest).
  private lookupOrInsert(v: string | Buffer): number {
    const r = this.ins.run(v);
    if (r.changes === 1) return Number(r.lastInsertRowid);
    return this.sel.get(v) as number;
  }

  /** After a rolled-back transaction the cache may name rows that no longer exist. */
  forget(): void {
    this.text.clear();
    this.raw.clear();
  }

  value(id: number): BStr {
    const v = this.get.get(id) as string | Buffer | undefined;
    return fromDb(v ?? '');
  }

  /**
   * The values of many ids at once, into `into` (ids not in the table are
   * left out). Row by row, better-sqlite3 makes a JS array and a string per
   * row, most of the cost at a hundred thousand rows; here SQLite builds
   * one JSON array of the text values and JSON.parse makes the strings
   * (about 4x faster). Where the ids fill most of their span, a range scan
   * beats a lookup per id. Raw byte values (rare) come row by row.
   */
  values(ids: readonly number[], into: Map<number, BStr>): void {
    if (ids.length === 0) return;
    let lo = Infinity;
    let hi = -Infinity;
    for (const id of ids) {
      if (id < lo) lo = id;
      if (id > hi) hi = id;
    }
    const scan = hi - lo + 1 <= ids.length * 4;
    const where = scan ? 'id BETWEEN ? AND ?' : 'id IN (SELECT value FROM json_each(?))';
    const args = scan ? [lo, hi] : [JSON.stringify(ids)];
    // A scan also reads ids nobody asked for: these are the ones asked for.
    let wanted: Uint8Array | null = null;
    if (scan) {
      wanted = new Uint8Array(hi - lo + 1);
      for (const id of ids) wanted[id - lo] = 1;
    }
    const [idsJson, textsJson] = this.db
      .prepare(`SELECT json_group_array(id), json_group_array(b) FROM ${this.table} WHERE ${where} AND typeof(b) = 'text'`)
      .raw()
      .get(...args) as [string, string];
    const got = JSON.parse(idsJson) as number[];
    const texts = JSON.parse(textsJson) as string[];
    for (let k = 0; k < got.length; k++) if (!wanted || wanted[got[k]! - lo]) into.set(got[k]!, texts[k]!);
    const raw = this.db
      .prepare(`SELECT id, b FROM ${this.table} WHERE ${where} AND typeof(b) = 'blob'`)
      .raw()
      .all(...args) as [number, Buffer][];
    for (const [id, b] of raw) if (!wanted || wanted[id - lo]) into.set(id, fromDb(b));
  }
}

export function fromDb(v: string | Buffer | Uint8Array): BStr {
  if (typeof v === 'string') return v;
  return bstrFromBytes(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
}

/** A command line as one byte string: arguments joined by NUL (which no argument can hold). */
export function joinCmdline(args: BStr[]): BStr {
  if (args.every((a) => typeof a === 'string')) return (args as string[]).join('\0');
  const enc = new TextEncoder();
  const parts = args.map((a) => (typeof a === 'string' ? enc.encode(a) : a));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0) - (parts.length ? 1 : 0));
  let o = 0;
  parts.forEach((p, i) => {
    if (i) out[o++] = 0;
    out.set(p, o);
    o += p.length;
  });
  return out;
}

export function splitCmdline(b: BStr): BStr[] {
  if (typeof b === 'string') return b === '' ? [] : b.split('\0');
  const out: BStr[] = [];
  let start = 0;
  for (let i = 0; i <= b.length; i++) {
    if (i === b.length || b[i] === 0) {
      out.push(bstrFromBytes(b.subarray(start, i)));
      start = i + 1;
    }
  }
  return out;
}
