/**
 * "Who has this file open, and since when": the fds a search matches,
 * folded across images into holders (a process holding one file at one fd
 * number), each with the first and last capture it was seen in, how many
 * images it was held in, and whether it still is in the newest image the
 * query covers. A file a daemon has held for a week shows as one line, not
 * a week of hits.
 */
import type { Holder, HoldersResult } from '../../src-shared/store-types.js';
import { KIND_GROUPS } from '../../src-shared/kinds/index.js';
import type { LibraryContext } from '../store/context.js';
import { StoreError } from '../store/errors.js';
import { lowerBound } from '../store/fdpack.js';
import { searchCovering } from './search.js';

/** Kinds whose inode is the file's own (not a pseudo filesystem's shared one). */
const BY_INODE = new Set([...KIND_GROUPS.file!, ...KIND_GROUPS.device!, 'fifo']);

/** The most fd hits folded: a bound on memory and time for a query that matches everything. */
export const HOLDERS_MAX_HITS = 1_000_000;

export interface HoldersOptions {
  maxHits?: number;
  /** The first holder to give (default 0). */
  offset?: number;
  /** The most holders to give (default every one from offset). */
  limit?: number;
}

export function runHolders(ctx: LibraryContext, query: string, opts: HoldersOptions = {}): HoldersResult {
  const t0 = performance.now();
  const maxHits = opts.maxHits ?? HOLDERS_MAX_HITS;
  if (!Number.isSafeInteger(maxHits) || maxHits < 1 || maxHits > HOLDERS_MAX_HITS)
    throw new StoreError('bad-argument', `holders maxHits must be an integer from 1 to ${HOLDERS_MAX_HITS}, got ${String(maxHits)}`);
  checkPage(opts.offset, opts.limit);
  const { result: r, imageIds: ids } = searchCovering(ctx, query, { limit: maxHits, perImage: maxHits });

  // The images the query covers, by capture time: gaps and "now" are about
  // those, not only the ones with hits (an image where nobody held it).
  const covered = (
    ctx.db
      .prepare(
        `SELECT capture_time, host, json_extract(options, '$.all') = 'true', json_extract(options, '$.pids') FROM images${ids ? ' WHERE id IN (SELECT value FROM json_each(?))' : ''}`,
      )
      .raw()
      .all(...(ids ? [JSON.stringify(ids)] : [])) as [number, string, number | null, string | null][]
  ).sort((a, b) => a[0] - b[0]);
  const newest = covered.length ? covered[covered.length - 1]![0] : null;
  // Per host, the latest covered capture of every process (--all): one
  // without a holder's process says the process is gone. In time order, so
  // the last set is the latest.
  const lastAll = new Map<string, number>();
  for (const [t, host, all] of covered) if (all) lastAll.set(host, t);
  // Per host and pid, the latest covered capture that asked for that pid by
  // number (--pid P,Q): one without the process says it was gone by then.
  const lastAsked = new Map<string, number>();
  for (const [t, host, , pids] of covered)
    if (pids) for (const p of String(pids).split(',')) if (/^\d+$/.test(p)) lastAsked.set(`${Number(p)} ${host}`, t);
  /** The host of each holder's last image. */
  const hostOf = new Map<Holder, string>();

  const byKey = new Map<string, Holder>();
  for (const g of r.groups) {
    // Within one image a holder's hit is met once: its host need be noted once per image, not per hit.
    const host = g.image.host;
    for (const h of g.hits) {
      // A file by its device and inode, not its name: a log rotated away
      // (renamed) and then deleted is one file held all along. Other kinds
      // by their link text, which names the object (socket:[N], pipe:[N]);
      // anonymous inodes share one inode, so their text is all there is.
      // (A name as text, or as its {text, hex} bytes: the two never read alike.)
      const id =
        BY_INODE.has(h.kind) && h.ino !== 0
          ? `${String(h.dev)}:${String(h.ino)}`
          : typeof h.path === 'string'
            ? `"${h.path}`
            : JSON.stringify(h.path);
      const key = `${h.pid}\u0000${h.commText}\u0000${h.fd}\u0000${h.kind}\u0000${id}`;
      let x = byKey.get(key);
      if (!x) {
        x = {
          pid: h.pid,
          comm: h.comm,
          commText: h.commText,
          fd: h.fd,
          kind: h.kind,
          target: h.target,
          path: h.path,
          firstSeen: g.image.captureTime,
          lastSeen: g.image.captureTime,
          images: 0,
          gaps: 0,
          now: false,
          lastImage: g.image.id,
        };
        byKey.set(key, x);
      }
      // A search lists each process's fd once per image (threads under their
      // process; a pid has one table): each hit of a holder is another image.
      x.images++;
      if (g.image.captureTime < x.firstSeen) x.firstSeen = g.image.captureTime;
      if (g.image.captureTime >= x.lastSeen) {
        x.lastSeen = g.image.captureTime;
        x.lastImage = g.image.id;
        hostOf.set(x, host);
        x.target = h.target; // as it reads in the latest image
      }
    }
  }
  // Gaps count the covered images that captured the holder's process (a
  // process by that pid) and found the file not held: an image of another
  // host or series is no evidence either way.
  const pids = [...new Set([...byKey.values()].map((x) => x.pid))];
  const timesOfPid = new Map<number, number[]>();
  /** The latest capture time of each pid per host (`${pid} ${host}`): all "now" reads. */
  const lastOfPidOn = new Map<string, number>();
  if (pids.length)
    for (const [pid, t, host] of ctx.db
      .prepare(
        `SELECT t.pid, i.capture_time, i.host FROM tasks t JOIN images i ON i.id = t.image_id
         WHERE t.pid = t.tgid AND t.pid IN (SELECT value FROM json_each(?))${ids ? ' AND i.id IN (SELECT value FROM json_each(?))' : ''}`,
      )
      .raw()
      .all(...[JSON.stringify(pids), ...(ids ? [JSON.stringify(ids)] : [])]) as [number, number, string][]) {
      (timesOfPid.get(pid) ?? timesOfPid.set(pid, []).get(pid)!).push(t);
      const k = `${pid} ${host}`;
      if (t > (lastOfPidOn.get(k) ?? -Infinity)) lastOfPidOn.set(k, t);
    }
  for (const l of timesOfPid.values()) l.sort((a, b) => a - b);
  const holders: Holder[] = [];
  for (const x of byKey.values()) {
    const pt = timesOfPid.get(x.pid) ?? [];
    // Capture times are integers: the first one past lastSeen is the first at or after lastSeen + 1.
    x.gaps = Math.max(0, lowerBound(pt, x.lastSeen + 1) - lowerBound(pt, x.firstSeen) - x.images);
    // Held now: no later capture that would have seen it says otherwise —
    // none of its process on its host, none of every process there, none
    // that asked for its pid (and found it gone). A later
    // capture of something else (another series, another host) is no news
    // of this process, so it does not end "now".
    const host = hostOf.get(x)!;
    x.now =
      newest !== null &&
      (lastOfPidOn.get(`${x.pid} ${host}`) ?? -Infinity) <= x.lastSeen &&
      (lastAll.get(host) ?? -Infinity) <= x.lastSeen &&
      (lastAsked.get(`${x.pid} ${host}`) ?? -Infinity) <= x.lastSeen;
    holders.push(x);
  }
  // Held now first, longest held first: the daemon that has had it since Monday.
  holders.sort((a, b) => Number(b.now) - Number(a.now) || a.firstSeen - b.firstSeen || a.pid - b.pid || a.fd - b.fd);
  const all: HoldersResult = {
    query,
    normalized: r.normalized,
    holders,
    total: holders.length,
    offset: 0,
    more: false,
    imagesCovered: covered.length,
    newest,
    truncated: r.truncated,
    elapsedMs: 0,
  };
  const out = opts.offset || opts.limit !== undefined ? holdersPage(all, opts.offset ?? 0, opts.limit) : all;
  out.elapsedMs = performance.now() - t0;
  return out;
}

function checkPage(offset: number | undefined, limit: number | undefined): void {
  if (offset !== undefined && (!Number.isSafeInteger(offset) || offset < 0))
    throw new StoreError('bad-argument', `holders offset must be an integer from 0, got ${String(offset)}`);
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1))
    throw new StoreError('bad-argument', `holders limit must be an integer from 1, got ${String(limit)}`);
}

/**
 * The holders of a whole result (every holder, as runHolders gives it
 * without offset and limit) from `offset`, at most `limit` of them (all
 * when none), with the total and whether more follow: the pages the app
 * asks for of one fold it keeps.
 */
export function holdersPage(r: HoldersResult, offset: number, limit?: number): HoldersResult {
  checkPage(offset, limit);
  if (r.offset !== 0 || r.holders.length !== r.total) throw new StoreError('bad-argument', 'holdersPage needs the whole holder list');
  const holders = r.holders.slice(offset, limit === undefined ? undefined : offset + limit);
  return { ...r, holders, offset, more: offset + holders.length < r.total };
}
