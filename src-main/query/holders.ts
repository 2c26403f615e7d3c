/**
 * "Who has this file open, and since when": the fds a search matches,
 * folded across images into holders (a process holding one file at one fd
 * number), each with the first and last capture it was seen in, how many
 * images it was held in, and whether it still is in the newest image the
 * query covers. A file a daemon has held for a week shows as one line, not
 * a week of hits.
 */
import type { Holder, HoldersResult } from '../../src-shared/store-types.js';
import type { LibraryContext } from '../store/context.js';
import { StoreError } from '../store/errors.js';
import { lowerBound } from '../store/fdpack.js';
import { parseQuery } from './parse.js';
import { imagesOfQuery, runSearch } from './search.js';

/** The most fd hits folded: a bound on memory and time for a query that matches everything. */
export const HOLDERS_MAX_HITS = 1_000_000;

export function runHolders(ctx: LibraryContext, query: string, opts: { maxHits?: number } = {}): HoldersResult {
  const t0 = performance.now();
  const maxHits = opts.maxHits ?? HOLDERS_MAX_HITS;
  if (!Number.isSafeInteger(maxHits) || maxHits < 1 || maxHits > HOLDERS_MAX_HITS)
    throw new StoreError('bad-argument', `holders maxHits must be an integer from 1 to ${HOLDERS_MAX_HITS}, got ${String(maxHits)}`);
  const r = runSearch(ctx, query, { limit: maxHits, perImage: maxHits });

  // The images the query covers, by capture time: gaps and "now" are about
  // those, not only the ones with hits (an image where nobody held it).
  const ids = imagesOfQuery(ctx, parseQuery(query));
  const times = (
    ids
      ? (ctx.db.prepare('SELECT capture_time FROM images WHERE id IN (SELECT value FROM json_each(?))').pluck().all(JSON.stringify(ids)) as number[])
      : (ctx.db.prepare('SELECT capture_time FROM images').pluck().all() as number[])
  ).sort((a, b) => a - b);
  const newest = times.length ? times[times.length - 1]! : null;
  // Capture times are integers: the first one past `to` is the first at or after to + 1.
  const coveredBetween = (from: number, to: number) => lowerBound(times, to + 1) - lowerBound(times, from);

  const byKey = new Map<string, Holder & { seen: Set<string> }>();
  for (const g of r.groups) {
    for (const h of g.hits) {
      // The path, not how the file reads: a log rotated away and then
      // deleted is one file held all along, though it now reads "(deleted)".
      const key = `${h.pid}\u0000${h.commText}\u0000${h.fd}\u0000${h.kind}\u0000${JSON.stringify(h.path)}`;
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
          seen: new Set(),
        };
        byKey.set(key, x);
      }
      // A thread's fds are listed under its process: one image counts once.
      if (x.seen.has(g.image.id)) continue;
      x.seen.add(g.image.id);
      x.images++;
      if (g.image.captureTime < x.firstSeen) x.firstSeen = g.image.captureTime;
      if (g.image.captureTime >= x.lastSeen) {
        x.lastSeen = g.image.captureTime;
        x.lastImage = g.image.id;
        x.target = h.target; // as it reads in the latest image
      }
    }
  }
  const holders: Holder[] = [];
  for (const { seen, ...x } of byKey.values()) {
    void seen;
    x.gaps = Math.max(0, coveredBetween(x.firstSeen, x.lastSeen) - x.images);
    x.now = newest !== null && x.lastSeen === newest;
    holders.push(x);
  }
  // Held now first, longest held first: the daemon that has had it since Monday.
  holders.sort((a, b) => Number(b.now) - Number(a.now) || a.firstSeen - b.firstSeen || a.pid - b.pid || a.fd - b.fd);
  return {
    query,
    normalized: r.normalized,
    holders,
    imagesCovered: times.length,
    newest,
    truncated: r.truncated,
    elapsedMs: performance.now() - t0,
  };
}
