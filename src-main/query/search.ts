/**
 * Runs a parsed query against the index. Strategy: resolve the cheap,
 * selective parts first (which images, which processes' fd tables, which
 * interned paths match) into id lists, then walk candidates from the most
 * selective one: the matched processes' fd tables; or a path, image by
 * image newest first, through each image's path set and its fd rows (keyed
 * image, path, table, fd); or else every image's tables in turn. Each
 * candidate fd is tested on its table's pack, which holds every field the
 * terms look at. Path matching scans the de-duplicated string table in
 * memory, never the fds.
 */
import { bstrToJson, describeFile, diskHeld, displayBStr, formatFlags, u64ToJson, type AttrRecord } from '../../src-shared/model/index.js';
import { kindByName } from '../../src-shared/kinds/index.js';
import type { SearchGroup, SearchHit, SearchOptions, SearchResult } from '../../src-shared/store-types.js';
import type { LibraryContext } from '../store/context.js';
import { StoreError } from '../store/errors.js';
import { toSummary, IMAGE_COLS, type ImageRow } from '../store/images.js';
import { fromDb } from '../store/intern.js';
import { globToRegExp, isGlob, parseIp, parseQuery, samePrefix, type ParsedQuery, type ParsedTerm, type Term } from './parse.js';
import { fileFromPack, kindName, parseAttrs } from './rows.js';
import { BIT_CLOEXEC, BIT_DELETED, BIT_SHARED, P as PF, PACK_FIELDS as PACK_FIELDS_, lowerBound, unpack } from '../store/fdpack.js';
import { tablesHolding } from '../store/attrset.js';

// Plain local copies: read per fd, and some module loaders (tsx, which the
// benches and tests run under) turn an imported binding into a getter call.
const P = { ...PF };
const PACK_FIELDS = PACK_FIELDS_;

/** Above this many matching paths, walking the path index costs more than filtering a scan. */
const DRIVE_BY_PATH_MAX = 100_000;

/** A path term's values as one test of a text: a glob matches it whole, a plain value is in it. */
function textTest(glob: boolean, values: string[]): (t: string) => boolean {
  if (!glob) return (t) => values.some((v) => t.includes(v));
  const res = values.map(globToRegExp);
  return (t) => res.some((r) => r.test(t));
}

function matchStrings(ctx: LibraryContext, glob: boolean, values: string[]): number[] {
  const { ids, texts, shown } = ctx.stringTable();
  const out: number[] = [];
  const test = textTest(glob, values);
  if (glob) {
    for (let i = 0; i < texts.length; i++) if (test(texts[i]!)) out.push(ids[i]!);
  } else if (values.length === 1) {
    const v = values[0]!;
    for (let i = 0; i < texts.length; i++) if (texts[i]!.includes(v)) out.push(ids[i]!);
  } else {
    for (let i = 0; i < texts.length; i++) if (values.some((v) => texts[i]!.includes(v))) out.push(ids[i]!);
  }
  // A name holding a newline, an escape or a bidi character, named the way
  // `ckpt show` prints it (`\n`, `\x1b`): few, so checked apart.
  const before = out.length;
  for (const [i, t] of shown) if (!test(texts[i]!) && test(t)) out.push(ids[i]!);
  return out.length > before ? out.sort((a, b) => a - b) : out;
}

/**
 * The unix socket attrs rows whose bound name (as shown, @ for abstract;
 * or a valid name's own characters) a path term matches: a socket's link
 * text is only socket:[INO], so `ckpt search ctl.sock` looks here too.
 */
function matchUnixNames(ctx: LibraryContext, glob: boolean, values: string[]): Set<number> {
  const { ids, name, raw } = ctx.socketAttrs().unix;
  const test = textTest(glob, values);
  const out = new Set<number>();
  for (let i = 0; i < ids.length; i++) if (name[i] !== '' && (test(name[i]!) || (raw[i] !== null && test(raw[i]!)))) out.add(ids[i]!);
  return out;
}

/** The socket attrs rows a port:, addr: or state: term holds for: each distinct row tested once per query. */
function matchSockets(ctx: LibraryContext, t: Extract<Term, { field: 'port' | 'addr' | 'state' }>): Set<number> {
  const { inet, unix } = ctx.socketAttrs();
  const out = new Set<number>();
  if (t.field === 'state') {
    const want = new Set(t.values);
    for (const k of [inet, unix]) for (let i = 0; i < k.ids.length; i++) if (want.has(k.state[i]!)) out.add(k.ids[i]!);
    return out;
  }
  const local = t.side !== 'remote';
  const remote = t.side !== 'local';
  // A socket without a peer (listening, an unconnected udp socket) has no
  // remote endpoint: its 0.0.0.0:0 is not an address anyone talks to.
  if (t.field === 'port') {
    const rs = t.ranges;
    const hit = (p: number) => rs.some(([a, b]) => p >= a && p <= b);
    for (let i = 0; i < inet.ids.length; i++)
      if ((local && hit(inet.lport[i]!)) || (remote && inet.rport[i] !== 0 && hit(inet.rport[i]!))) out.add(inet.ids[i]!);
    return out;
  }
  // Addresses repeat across rows: each distinct text is parsed and tested once.
  const verdict = new Map<string, boolean>();
  const ms = t.matchers;
  const test = (a: string): boolean => {
    let v = verdict.get(a);
    if (v === undefined) {
      const bytes = parseIp(a);
      v = ms.some((m) => ('glob' in m ? m.glob.test(a) : bytes !== null && samePrefix(bytes, m.net, m.bits)));
      verdict.set(a, v);
    }
    return v;
  };
  for (let i = 0; i < inet.ids.length; i++)
    if ((local && test(inet.laddr[i]!)) || (remote && inet.rport[i] !== 0 && test(inet.raddr[i]!))) out.add(inet.ids[i]!);
  return out;
}

function rangeSql(col: string, ranges: [number, number][]): string {
  return `(${ranges.map(([a, b]) => (a === b ? `${col} = ${a}` : `${col} BETWEEN ${a} AND ${b}`)).join(' OR ')})`;
}

export function runSearch(ctx: LibraryContext, query: string, opts: SearchOptions = {}): SearchResult {
  return searchCovering(ctx, query, opts).result;
}

/**
 * runSearch, with the ids of the images the query's image terms admit (null:
 * every image), from the same parse: what holders.ts reports coverage on.
 */
export function searchCovering(
  ctx: LibraryContext,
  query: string,
  opts: SearchOptions = {},
): { result: SearchResult; imageIds: number[] | null } {
  const t0 = performance.now();
  const limit = opts.limit ?? 1000;
  const perImage = opts.perImage ?? 200;
  for (const [k, v] of [
    ['limit', limit],
    ['perImage', perImage],
  ] as const)
    if (!Number.isSafeInteger(v) || v < 1 || v > 1_000_000)
      throw new StoreError('bad-argument', `search ${k} must be an integer from 1 to 1000000, got ${String(v)}`);
  const parsed = parseQuery(query);
  const db = ctx.db;
  const by = (f: string) => parsed.terms.filter((t) => t.term.field === f);

  // Images.
  const imageIds = imagesOfQuery(ctx, parsed);

  // Processes (pid, comm) -> (image, fd table) pairs, and which pids matched in each.
  const taskTerms = [...by('pid'), ...by('uid'), ...by('comm'), ...by('limit')];
  let tables: Map<string, number[]> | null = null;
  if (taskTerms.length) {
    // A process's row, and a thread's where its table is not its process's
    // (it called unshare(CLONE_FILES)): that table's fds are found by the
    // process's pid too, as lsof -K lists them, and by the thread's id.
    const conds: string[] = [
      '(t.pid = t.tgid OR NOT EXISTS (SELECT 1 FROM tasks l WHERE l.image_id = t.image_id AND l.pid = t.tgid AND l.table_ref = t.table_ref))',
    ];
    const params: unknown[] = [];
    for (const p of taskTerms) {
      const t = p.term;
      let c: string;
      if (t.field === 'pid') c = `(${rangeSql('t.pid', t.ranges)} OR ${rangeSql('t.tgid', t.ranges)})`;
      else if (t.field === 'uid') c = rangeSql('t.uid', t.ranges);
      else if (t.field === 'comm') {
        const ids = matchStrings(ctx, t.values.some(isGlob), t.values);
        c = 't.comm_id IN (SELECT value FROM json_each(?))';
        params.push(JSON.stringify(ids));
      } else if (t.field === 'limit') {
        // fds in its table against its soft limit; an unknown or unlimited
        // limit is never near (so -limit: keeps those processes).
        c = `coalesce(t.fd_soft >= 0 AND (SELECT f.nfds FROM fdtables f WHERE f.image_id = t.image_id AND f.ref = t.table_ref) >= t.fd_soft * ?, 0)`;
        params.push(t.share);
      } else continue;
      conds.push(p.negated ? `NOT (${c})` : c);
    }
    if (imageIds) {
      conds.push('t.image_id IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(imageIds));
    }
    tables = new Map();
    for (const [img, ref, pid] of db
      .prepare(`SELECT image_id, table_ref, pid FROM tasks t WHERE ${conds.join(' AND ')} AND table_ref != 0`)
      .raw()
      .all(...params) as [number, number, number][]) {
      const k = `${img}:${ref}`;
      const l = tables.get(k);
      if (l) l.push(pid);
      else tables.set(k, [pid]);
    }
  }

  // fd-level filters: every driver tests each candidate fd on its table's
  // pack (fd rows are only the key image, path, table, fd).
  let pathDriver: Int32Array | null = null;
  const pathSets: PathSet[] = [];
  for (const p of by('path')) {
    const t = p.term as Extract<ParsedTerm['term'], { field: 'path' }>;
    const glob = t.mode === 'glob';
    pathSets.push({ p, ids: matchStrings(ctx, glob, t.values), names: matchUnixNames(ctx, glob, t.values) });
  }
  const socketSets: SocketSet[] = [];
  for (const p of parsed.terms)
    if (p.term.field === 'port' || p.term.field === 'addr' || p.term.field === 'state')
      socketSets.push({ p, ids: matchSockets(ctx, p.term) });
  let filterSets = pathSets;
  // A term that also matched unix socket names does not drive by path: its
  // hits are found image by image, as a scan finds them (so the same hits,
  // counted and cut the same way), but only in the tables that hold a
  // matching path (the path index) or a matching unix socket (image_attrs);
  // see narrows below.
  const positivePaths = pathSets.filter((s) => !s.p.negated && s.names.size === 0).sort((a, b) => a.ids.length - b.ids.length);
  const noSocket = socketSets.some((s) => !s.p.negated && s.ids.size === 0);
  // Queries by process read the matched tables' packs and filter them here.
  let tableKeys: [number, number][] | null = null;
  if (tables) {
    tableKeys = [...tables.keys()].map((k) => {
      const [a, b] = k.split(':');
      return [Number(a), Number(b)];
    });
  } else if (positivePaths.length && positivePaths[0]!.ids.length <= DRIVE_BY_PATH_MAX) {
    // Image by image, newest first: each image's path set says which of the
    // ids it holds, and only those are looked up in its fd rows.
    const first = positivePaths[0]!;
    pathDriver = Int32Array.from(first.ids).sort();
    filterSets = pathSets.filter((x) => x !== first);
  }
  // Without a selective driver, walk image by image, newest first, taking at
  // most perImage+1 hits from each: a common kind then shows up across many
  // images instead of filling the limit from the first one.
  const byImage = !tableKeys && !pathDriver;
  // Every hit has, for each positive socket term, one of its attrs ids, and
  // for each positive path term that matched unix names, one of its path ids
  // or one of those names: image_attrs (and the path index) then say which
  // images, and which of their tables, can hold a hit. Socket terms first:
  // they need no SQL.
  const narrows: Narrow[] = [];
  for (const s of socketSets) if (!s.p.negated) narrows.push({ attrs: sortedIds(s.ids), paths: null });
  for (const s of pathSets)
    if (!s.p.negated && s.names.size && s.ids.length <= DRIVE_BY_PATH_MAX)
      narrows.push({ attrs: sortedIds(s.names), paths: Int32Array.from(s.ids).sort() });
  const keep = packFilter(parsed.terms, filterSets, socketSets);
  return { result: finish(), imageIds };

  function finish(): SearchResult {
    // A port, address or state no socket row has: no fd can match.
    const empty = (imageIds && imageIds.length === 0) || (tables && tables.size === 0) || noSocket;
    /** Image, fd table, and the fd's offset in that table's pack (kept in packs). */
    type Hit = [number, number, number];
    // Hits are shown from their tables' packs: one small blob per table, whatever the number of hits in it.
    const packStmt = db.prepare('SELECT data FROM fdtables WHERE image_id = ? AND ref = ?').pluck();
    type Pack = { p: Int32Array; at: Map<number, number> | null; sorted: boolean | null };
    const packs = new Map<string, Pack>();
    const packOf = (img: number, tref: number): Pack => {
      const k = `${img}:${tref}`;
      let v = packs.get(k);
      if (!v) {
        const b = packStmt.get(img, tref) as Buffer | undefined;
        packs.set(k, (v = { p: b ? unpack(b) : new Int32Array(0), at: null, sorted: null }));
      }
      return v;
    };
    // Where fd sits in its pack: by binary search when the pack is in fd order (as captured), else a map.
    const fdAt = (v: Pack, fd: number): number | undefined => {
      const p = v.p;
      const n = p.length / PACK_FIELDS;
      if (v.sorted === null) {
        v.sorted = true;
        for (let i = 1; i < n; i++)
          if (p[i * PACK_FIELDS + P.fd]! <= p[(i - 1) * PACK_FIELDS + P.fd]!) {
            v.sorted = false;
            break;
          }
      }
      if (v.sorted) {
        let lo = 0;
        let hi = n;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (p[mid * PACK_FIELDS + P.fd]! < fd) lo = mid + 1;
          else hi = mid;
        }
        return lo < n && p[lo * PACK_FIELDS + P.fd] === fd ? lo * PACK_FIELDS : undefined;
      }
      if (!v.at) {
        v.at = new Map<number, number>();
        for (let o = 0; o < p.length; o += PACK_FIELDS) v.at.set(p[o + P.fd]!, o);
      }
      return v.at.get(fd);
    };
    const rows: Hit[] = [];
    let moreImages = false;
    if (empty) {
      // An image or process filter matched nothing: no candidates.
    } else if (tableKeys) {
      for (const [img, tref] of tableKeys) {
        const { p: pk } = packOf(img, tref);
        for (let o = 0; o < pk.length && rows.length <= limit; o += PACK_FIELDS) if (keep(pk, o)) rows.push([img, tref, o]);
        if (rows.length > limit) break;
      }
    } else {
      const order = imageIds
        ? (db
            .prepare('SELECT id, sha256 FROM images WHERE id IN (SELECT value FROM json_each(?)) ORDER BY capture_time DESC, id DESC')
            .raw()
            .all(JSON.stringify(imageIds)) as [number, string][])
        : (db.prepare('SELECT id, sha256 FROM images ORDER BY capture_time DESC, id DESC').raw().all() as [number, string][]);
      if (pathDriver) {
        const stmt = db
          .prepare('SELECT f.table_ref, f.fd FROM json_each(?) q CROSS JOIN fds f WHERE f.image_id = ? AND f.path_id = q.value')
          .raw();
        scan: for (const [img, sha] of order) {
          const pairs = narrows.length ? ctx.imageAttrs(img, sha) : null;
          if (pairs && narrows.some((n) => !n.paths && !tablesHolding(pairs, n.attrs, new Set()).size)) continue;
          const present = intersectSorted(pathDriver, ctx.imagePaths(img, sha));
          if (!present.length) continue;
          for (const [tref, fd] of stmt.iterate(JSON.stringify(present), img) as IterableIterator<[number, number]>) {
            const pv = packOf(img, tref);
            const o = fdAt(pv, fd);
            if (o === undefined || !keep(pv.p, o)) continue;
            rows.push([img, tref, o]);
            if (rows.length > limit) break scan;
          }
        }
      } else {
        // Each image's tables in order, stopping at perImage+1 hits: a common
        // kind is found in the first tables, and no fd row order matters.
        // Narrowed, only the tables that can hold a hit, in the same order:
        // a skipped table or image would have had none.
        const tablesOf = db.prepare('SELECT ref, data FROM fdtables WHERE image_id = ? ORDER BY ref').raw();
        const tablesOfPaths = db
          .prepare('SELECT DISTINCT f.table_ref FROM json_each(?) q CROSS JOIN fds f WHERE f.image_id = ? AND f.path_id = q.value')
          .pluck();
        const narrowed = (img: number, sha: string): number[] | null => {
          const pairs = ctx.imageAttrs(img, sha);
          if (!pairs) return null;
          let only: Set<number> | null = null;
          for (const n of narrows) {
            const t = tablesHolding(pairs, n.attrs, new Set());
            if (n.paths) {
              const present = intersectSorted(n.paths, ctx.imagePaths(img, sha));
              if (present.length) for (const r of tablesOfPaths.all(JSON.stringify(present), img) as number[]) t.add(r);
            }
            const prev: Set<number> | null = only;
            only = prev ? new Set([...prev].filter((r: number) => t.has(r))) : t;
            if (!only.size) break;
          }
          return only ? [...only].sort((a, b) => a - b) : null;
        };
        let counted = 0;
        for (let k = 0; k < order.length; k++) {
          const [img, sha] = order[k]!;
          const want = Math.min(perImage, limit - counted) + 1;
          let got = 0;
          const only = narrows.length ? narrowed(img, sha) : null;
          if (only && !only.length) continue;
          const tables: Iterable<[number, Buffer | undefined]> = only
            ? only.map((r) => [r, packStmt.get(img, r) as Buffer | undefined])
            : (tablesOf.iterate(img) as IterableIterator<[number, Buffer]>);
          for (const [tref, data] of tables) {
            if (!data) continue;
            const pk = unpack(data);
            packs.set(`${img}:${tref}`, { p: pk, at: null, sorted: null });
            for (let o = 0; o < pk.length && got < want; o += PACK_FIELDS) {
              if (!keep(pk, o)) continue;
              rows.push([img, tref, o]);
              got++;
            }
            if (got >= want) break;
          }
          counted += Math.min(got, perImage);
          if (counted >= limit) {
            moreImages = k < order.length - 1 || got > Math.min(perImage, limit - counted + got);
            break;
          }
        }
      }
    }

    // Expand rows to (process, fd) hits and group them by image.
    const truncatedAll = byImage ? moreImages : rows.length > limit;
    if (!byImage && truncatedAll) rows.length = limit;
    const procsOfTable = db.prepare('SELECT pid, comm_id, tgid FROM tasks WHERE image_id = ? AND table_ref = ? ORDER BY pid').raw();
    const strCache = new Map<number, ReturnType<typeof fromDb>>();
    // Parsed once per attributes row: a leak's thousands of fds on one socket share one.
    const attrCache = new Map<number, AttrRecord>();
    const commCache = new Map<number, ReturnType<typeof fromDb>>();
    const procCache = new Map<string, { pid: number; comm: ReturnType<typeof fromDb> }[]>();
    const groups = new Map<number, { hits: SearchHit[]; count: number; truncated: boolean }>();
    let hitCount = 0;
    let truncated = truncatedAll;
    for (const [img, tref, o] of rows) {
      const key = `${img}:${tref}`;
      let procs = procCache.get(key);
      if (!procs) {
        let all = procsOfTable.all(img, tref) as [number, number, number][];
        // Threads share their leader's table: list processes, not threads.
        // A table only threads hold (one unshared it) is listed once, under
        // the first of them, and matched by any of them.
        const leaders = all.filter(([pid, , tgid]) => pid === tgid);
        const wanted = tables?.get(key);
        if (leaders.length) all = leaders.filter(([pid]) => (wanted ? wanted.includes(pid) : true));
        else all = !wanted || all.some(([pid]) => wanted.includes(pid)) ? all.slice(0, 1) : [];
        procs = all.map(([pid, cid]) => {
          let comm = commCache.get(cid);
          if (comm === undefined) commCache.set(cid, (comm = ctx.strings.value(cid)));
          return { pid, comm };
        });
        procCache.set(key, procs);
      }
      let g = groups.get(img);
      if (!g) groups.set(img, (g = { hits: [], count: 0, truncated: false }));
      const pk = packs.get(key)!.p;
      const fd = pk[o + P.fd]!;
      const bits = pk[o + P.bits]!;
      const attrsId = pk[o + P.attrs]!;
      const pathId = pk[o + P.path]!;
      let path = strCache.get(pathId);
      if (path === undefined) strCache.set(pathId, (path = ctx.strings.value(pathId)));
      let attrs = attrsId ? attrCache.get(attrsId) : undefined;
      if (attrsId && attrs === undefined) attrCache.set(attrsId, (attrs = parseAttrs(String(ctx.attrs.value(attrsId)))));
      const file = fileFromPack(pk, o, path, attrs ?? null);
      const held = diskHeld(file);
      for (const p of procs) {
        g.count++;
        if (g.hits.length >= perImage || hitCount >= limit) {
          g.truncated = true;
          truncated = true;
          continue;
        }
        g.hits.push({
          pid: p.pid,
          comm: bstrToJson(p.comm),
          commText: displayBStr(p.comm),
          fd,
          kind: file.kind,
          target: describeFile(file),
          path: bstrToJson(file.path),
          fileRef: file.ref,
          dev: u64ToJson(file.dev),
          ino: u64ToJson(file.ino),
          flags: file.flags,
          flagNames: formatFlags(file.flags),
          pos: typeof file.pos === 'bigint' ? file.pos.toString() : file.pos,
          cloexec: (bits & BIT_CLOEXEC) !== 0,
          deleted: file.deleted,
          size: u64ToJson(file.size),
          held: u64ToJson(held.bytes),
          heldAllocated: held.allocated,
          shared: (bits & BIT_SHARED) !== 0,
        });
        hitCount++;
      }
    }
    const imgRows = groups.size
      ? (db
          .prepare(`SELECT ${IMAGE_COLS} FROM images i WHERE i.id IN (SELECT value FROM json_each(?))`)
          .all(JSON.stringify([...groups.keys()])) as ImageRow[])
      : [];
    const out: SearchGroup[] = imgRows
      .sort((a, b) => b.capture_time - a.capture_time || b.id - a.id)
      .map((r) => {
        const g = groups.get(r.id)!;
        g.hits.sort((a, b) => a.pid - b.pid || a.fd - b.fd);
        return { image: toSummary(r), hits: g.hits, hitCount: g.count, truncated: g.truncated || truncatedAll };
      });
    return { query, normalized: parsed.normalized, groups: out, hitCount, truncated, elapsedMs: performance.now() - t0 };
  }
}

/**
 * The ids of the images a query's image terms (label, tag, image, time)
 * admit; null when it has none (every image).
 */
function imagesOfQuery(ctx: LibraryContext, parsed: ParsedQuery): number[] | null {
  const imageTerms = parsed.terms.filter((t) => ['label', 'tag', 'image', 'time'].includes(t.term.field));
  if (!imageTerms.length) return null;
  const conds: string[] = [];
  const params: unknown[] = [];
  for (const p of imageTerms) {
    const t = p.term;
    let c: string;
    if (t.field === 'label') {
      c = `i.label IN (${t.values.map(() => '?').join(',')})`;
      params.push(...t.values);
    } else if (t.field === 'tag') {
      c = `EXISTS (SELECT 1 FROM tags g WHERE g.image_id = i.id AND g.tag IN (${t.values.map(() => '?').join(',')}))`;
      params.push(...t.values);
    } else if (t.field === 'image') {
      c = `(${t.values.map(() => 'substr(i.sha256, 1, ?) = ?').join(' OR ')})`;
      for (const v of t.values) params.push(v.length, v);
    } else if (t.field === 'time') {
      c = 'i.capture_time BETWEEN ? AND ?';
      params.push(t.from, t.to);
    } else continue;
    conds.push(p.negated ? `NOT (${c})` : c);
  }
  return ctx.db
    .prepare(`SELECT id FROM images i WHERE ${conds.join(' AND ')}`)
    .pluck()
    .all(...params) as number[];
}

type PathSet = { p: ParsedTerm; ids: number[]; names: Set<number> };
type SocketSet = { p: ParsedTerm; ids: Set<number> };
/** What a hit must hold: one of `attrs`, or (a path term) one of `paths`. Both ascending. */
type Narrow = { attrs: Int32Array; paths: Int32Array | null };

function sortedIds(ids: Set<number>): Int32Array {
  return Int32Array.from(ids).sort();
}

/** The fd-level terms as a test on one packed fd (what the SQL conditions say of an fd row). */
function packFilter(terms: ParsedTerm[], pathSets: PathSet[], socketSets: SocketSet[]): (pk: Int32Array, o: number) => boolean {
  type Test = (pk: Int32Array, o: number) => boolean;
  const tests: Test[] = [];
  const add = (negated: boolean, f: Test) => tests.push(negated ? (pk, o) => !f(pk, o) : f);
  for (const p of terms) {
    const t = p.term;
    if (t.field === 'kind') {
      const codes = t.values.map((k) => (k === 'unknown' ? -1 : kindByName(k)!.code));
      const want = new Set(codes.filter((c) => c >= 0));
      const unknown = codes.includes(-1);
      add(p.negated, (pk, o) => want.has(pk[o + P.kind]!) || (unknown && kindName(pk[o + P.kind]!) === 'unknown'));
    } else if (t.field === 'fd') {
      const ranges = t.ranges;
      add(p.negated, (pk, o) => ranges.some(([a, b]) => pk[o + P.fd]! >= a && pk[o + P.fd]! <= b));
    } else if (t.field === 'flags') {
      const masks = t.masks;
      add(p.negated, (pk, o) => masks.every((m) => (pk[o + P.flags]! & m.mask) === m.value));
    } else if (t.field === 'deleted' || t.field === 'shared' || t.field === 'cloexec') {
      const bit = t.field === 'deleted' ? BIT_DELETED : t.field === 'shared' ? BIT_SHARED : BIT_CLOEXEC;
      const value = t.value;
      add(p.negated, (pk, o) => ((pk[o + P.bits]! & bit) !== 0) === value);
    }
  }
  for (const s of pathSets) {
    const ids = new Set(s.ids);
    const names = s.names;
    if (names.size) add(s.p.negated, (pk, o) => ids.has(pk[o + P.path]!) || names.has(pk[o + P.attrs]!));
    else add(s.p.negated, (pk, o) => ids.has(pk[o + P.path]!));
  }
  for (const s of socketSets) {
    const ids = s.ids;
    add(s.p.negated, (pk, o) => ids.has(pk[o + P.attrs]!));
  }
  if (tests.length === 1) return tests[0]!;
  return (pk, o) => tests.every((f) => f(pk, o));
}

/** Values in both ascending lists: binary search when one is much shorter, else a merge. */
function intersectSorted(want: Int32Array, have: Int32Array): number[] {
  const out: number[] = [];
  if (want.length * 16 < have.length) {
    for (const v of want) if (have[lowerBound(have, v)] === v) out.push(v);
    return out;
  }
  let i = 0;
  let j = 0;
  while (i < want.length && j < have.length) {
    const a = want[i]!;
    const b = have[j]!;
    if (a === b) {
      out.push(a);
      i++;
      j++;
    } else if (a < b) i++;
    else j++;
  }
  return out;
}
