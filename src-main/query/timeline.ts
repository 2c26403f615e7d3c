/**
 * A series of images of one program: fd counts per kind at each point, and
 * leak suspects, the things whose count never drops and ends higher than it
 * started. Counted per kind, per path (pipe:[N] and socket:[N] names are
 * unique per object and so never count), per path family (trailing digits
 * folded: app.log.1, app.log.2 ... -> app.log.*), and per socket endpoint:
 * the fixed end of each connection, the listener's address and port for
 * accepted sockets, the remote one for a client's (timeline-sockets.ts).
 */
import { displayBStr, formatRate } from '../../src-shared/model/index.js';
import { KIND_GROUPS, kindByName } from '../../src-shared/kinds/index.js';
import type {
  FdLimitValue,
  LeakSuspect,
  LimitProjection,
  LimitReached,
  ProcessLimitProjection,
  Timeline,
  TimelinePoint,
  TimelineSelector,
} from '../../src-shared/store-types.js';
import type { LibraryContext } from '../store/context.js';
import { StoreError } from '../store/errors.js';
import type { ImageRow } from '../store/images.js';
import { IMAGE_COLS } from '../store/images.js';
import { kindName } from './rows.js';
import { P, PACK_FIELDS, unpack } from '../store/fdpack.js';
import { fdLimitOfRow } from '../store/schema.js';
import { splitCmdline } from '../store/intern.js';
import { quoted } from '../store/errors.js';
import { groupSockets, growthText, sockEnds } from './timeline-sockets.js';
import type { SockEnds, SockEntry } from './timeline-sockets.js';

const MAX_POINTS = 5000;
/** Kinds whose names are per object (pipe, sockets): never a path series. */
const NOT_PATHS = new Set(['pipe', ...KIND_GROUPS.socket!].map((n) => kindByName(n)!.code));
const INET_SOCKET = kindByName('inet-socket')!.code;
/** Link texts naming one kernel object (pipe:[N], socket:[N], anon_inode:[x]): unique, so never a series. */
const PER_OBJECT = /^(pipe|socket|anon_inode):/;

function selectImages(ctx: LibraryContext, sel: TimelineSelector): ImageRow[] {
  if (!sel || typeof sel !== 'object') throw new StoreError('bad-argument', 'a timeline needs a selector: program, label, tag or ids');
  const db = ctx.db;
  let rows: ImageRow[];
  if (sel.ids) {
    if (!Array.isArray(sel.ids) || sel.ids.length === 0) throw new StoreError('bad-argument', 'timeline ids must be a non-empty list');
    const seen = new Set<number>();
    rows = sel.ids.map((r) => ctx.resolve(r)).filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)));
  } else if (sel.program !== undefined)
    rows = db.prepare(`SELECT ${IMAGE_COLS} FROM images i WHERE i.program = ?`).all(sel.program) as ImageRow[];
  else if (sel.label !== undefined) rows = db.prepare(`SELECT ${IMAGE_COLS} FROM images i WHERE i.label = ?`).all(sel.label) as ImageRow[];
  else if (sel.tag !== undefined)
    rows = db
      .prepare(`SELECT ${IMAGE_COLS} FROM images i WHERE EXISTS (SELECT 1 FROM tags t WHERE t.image_id = i.id AND t.tag = ?)`)
      .all(sel.tag) as ImageRow[];
  else throw new StoreError('bad-argument', 'a timeline needs a selector: program, label, tag or ids');
  if (rows.length === 0)
    throw new StoreError('not-found', `no images match the timeline selector ${selectorText(sel)}${nearMisses(ctx, sel)}`);
  if (rows.length > MAX_POINTS)
    throw new StoreError('bad-argument', `the series has ${rows.length} images; at most ${MAX_POINTS} fit one timeline`);
  return rows.sort((a, b) => a.capture_time - b.capture_time || a.id - b.id);
}

/**
 * "; programs that contain it: ..." when a program or label is not one
 * exactly but some contain its text: a program is the whole command line
 * (`/usr/bin/python3 leaker.py`), so `leaker.py` alone finds nothing.
 */
function nearMisses(ctx: LibraryContext, sel: TimelineSelector): string {
  const col = sel.program !== undefined ? 'program' : sel.label !== undefined ? 'label' : null;
  const text = sel.program ?? sel.label;
  if (!col || typeof text !== 'string' || !text) return '';
  const like = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const found = ctx.db
    .prepare(`SELECT ${col} AS v, count(*) AS n FROM images WHERE ${col} LIKE ? ESCAPE '\\' GROUP BY ${col} ORDER BY n DESC, v LIMIT 6`)
    .all(like) as { v: string; n: number }[];
  if (!found.length) return '';
  // quoted() escapes once, as names are shown everywhere (JSON.stringify of the escaped text doubled its backslashes: \\x1b).
  const list = found.slice(0, 5).map((r) => `${quoted(r.v)} (${r.n} image${r.n === 1 ? '' : 's'})`);
  return `; ${col}s that contain it: ${list.join(', ')}${found.length > 5 ? ', …' : ''}`;
}

/** A selector as the command line names it: label "nightly", ids abc, def. */
function selectorText(sel: TimelineSelector): string {
  if (sel.ids) return `ids ${sel.ids.map(String).join(', ')}`;
  const [k, v] = sel.program !== undefined ? ['program', sel.program] : sel.label !== undefined ? ['label', sel.label] : ['tag', sel.tag];
  return `${k} ${quoted(String(v))}`;
}

function family(path: string): string | null {
  if (PER_OBJECT.test(path) || path === '') return null;
  const m = /^(.*?)([._-]?)\d+$/.exec(path);
  return m && m[1] ? `${m[1]}${m[2]}*` : null;
}

export function runTimeline(ctx: LibraryContext, sel: TimelineSelector): Timeline {
  const t0 = performance.now();
  const rows = selectImages(ctx, sel);
  const db = ctx.db;
  // Counted from the fd tables' packs (kind, path and attributes of each fd).
  // An image of 100,000 fds holds tens of thousands of distinct paths: they
  // are counted in arrays indexed by path id, stamped with the image so
  // nothing is cleared between images (a map per fd costs several times more).
  const packStmt = db.prepare('SELECT data FROM fdtables WHERE image_id = ?').pluck();
  const maxStr = (db.prepare('SELECT coalesce(max(id), 0) FROM strs').pluck().get() as number) + 1;
  const stamp = new Int32Array(maxStr).fill(-1);
  const tally = new Int32Array(maxStr);
  const kindTally = new Int32Array(256);
  // Internet sockets per fd table and attrs row the same way, stamped with the pack.
  const maxAttrs = (db.prepare('SELECT coalesce(max(id), 0) FROM attrs').pluck().get() as number) + 1;
  const attrStamp = new Int32Array(maxAttrs).fill(-1);
  const attrTally = new Int32Array(maxAttrs);
  let packNo = 0;
  // An internet socket's ends, per attrs row once (a series repeats most of them).
  const sockCache = new Map<number, SockEnds>();
  const sockOf = (attrsId: number) => {
    let s = sockCache.get(attrsId);
    if (!s) {
      const attrs = String(ctx.attrs.value(attrsId));
      sockCache.set(attrsId, (s = sockEnds(attrs ? (JSON.parse(attrs) as Record<string, unknown>) : {})));
    }
    return s;
  };
  const counts = (imageId: number, imageIndex: number, withPaths: boolean) => {
    kindTally.fill(0);
    const otherKinds = new Map<number, number>();
    // Per fd table and attrs row: a socket's side is told by the listeners of its table.
    const socks: SockEntry[] = [];
    const seen: number[] = [];
    for (const b of packStmt.iterate(imageId) as IterableIterator<Buffer>) {
      const p = unpack(b);
      const pack = packNo++;
      const packSocks: number[] = [];
      for (let o = 0; o < p.length; o += PACK_FIELDS) {
        const kind = p[o + P.kind]!;
        if (kind >= 0 && kind < 256) kindTally[kind]!++;
        else otherKinds.set(kind, (otherKinds.get(kind) ?? 0) + 1);
        if (!withPaths) continue;
        if (!NOT_PATHS.has(kind)) {
          const id = p[o + P.path]!;
          // An id interned after maxStr was read (an import meanwhile) is not counted rather than misread.
          if (id < 0 || id >= maxStr) continue;
          if (stamp[id] !== imageIndex) {
            stamp[id] = imageIndex;
            tally[id] = 0;
            seen.push(id);
          }
          tally[id]!++;
        } else if (kind === INET_SOCKET) {
          const id = p[o + P.attrs]!;
          if (id <= 0 || id >= maxAttrs) continue;
          if (attrStamp[id] !== pack) {
            attrStamp[id] = pack;
            attrTally[id] = 0;
            packSocks.push(id);
          }
          attrTally[id]!++;
        }
      }
      // One pack is one fd table.
      for (const id of packSocks) socks.push({ table: p[P.table]!, sock: sockOf(id), n: attrTally[id]! });
    }
    const kinds: [number, number][] = [];
    for (let k = 0; k < 256; k++) if (kindTally[k]) kinds.push([k, kindTally[k]!]);
    kinds.push(...[...otherKinds].sort((a, b) => a[0] - b[0]));
    seen.sort((a, b) => a - b);
    return { kinds, paths: seen.map((id): [number, number] => [id, tally[id]!]), socks };
  };
  const points: TimelinePoint[] = [];
  // A series' counts as (image index, count) pairs: most paths of a fleet
  // are in one image or a few, so no array per path of every image's zero.
  interface Series {
    what: LeakSuspect['what'];
    key: string;
    at: number[];
    n: number[];
  }
  const series = new Map<string, Series>();
  const pathSeries = new Map<number, Series>();
  const bumpIn = (s: Series, i: number, n: number) => {
    const last = s.at.length - 1;
    if (last >= 0 && s.at[last] === i) s.n[last]! += n;
    else {
      s.at.push(i);
      s.n.push(n);
    }
  };
  const bump = (what: LeakSuspect['what'], key: string, i: number, n: number) => {
    const k = `${what}\0${key}`;
    let s = series.get(k);
    if (!s) series.set(k, (s = { what, key, at: [], n: [] }));
    bumpIn(s, i, n);
  };
  // The series' process (the first one, recorded at ingest) with its table's
  // size and its limit; none for an image indexed before schema 3.
  const procStmt = db
    .prepare(
      `SELECT t.pid, t.fd_soft, t.fd_hard, coalesce(f.nfds, 0) FROM images i
       JOIN tasks t ON t.image_id = i.id AND t.pid = i.program_pid
       LEFT JOIN fdtables f ON f.image_id = i.id AND f.ref = t.table_ref
       WHERE i.id = ?`,
    )
    .raw();
  const processAt = (imageId: number): TimelinePoint['process'] => {
    const r = procStmt.get(imageId) as [number, number | null, number | null, number] | undefined;
    if (!r) return null;
    const [pid, soft, hard, fds] = r;
    return { pid, fds, fdLimit: fdLimitOfRow(soft, hard) };
  };
  // Per path id once: its text (null when it names no series: an object's
  // link text, an empty path) and its family's series, if it has one.
  const pathInfo = new Map<number, { text: string; family: Series | null } | null>();
  const infoOf = (id: number) => {
    let info = pathInfo.get(id);
    if (info === undefined) {
      const p = displayBStr(ctx.strings.value(id));
      if (p === '' || PER_OBJECT.test(p)) info = null;
      else {
        const fam = family(p);
        let f: Series | null = null;
        if (fam) {
          const k = `prefix\0${fam}`;
          f = series.get(k) ?? null;
          if (!f) series.set(k, (f = { what: 'prefix', key: fam, at: [], n: [] }));
        }
        info = { text: p, family: f };
      }
      pathInfo.set(id, info);
    }
    return info;
  };
  const kinds = new Set<string>();
  const sockImages: SockEntry[][] = [];
  rows.forEach((r, i) => {
    const byKind: Record<string, number> = {};
    let total = 0;
    // Per-path counting is for programs, not fleets: skip it for huge images.
    const c = counts(r.id, i, r.n_fds <= 200_000);
    for (const [code, n] of c.kinds) {
      const k = kindName(code);
      byKind[k] = (byKind[k] ?? 0) + n;
      kinds.add(k);
      total += n;
      bump('kind', k, i, n);
    }
    points.push({ time: r.capture_time, imageId: r.sha256, label: r.label, total, byKind, process: processAt(r.id) });
    for (const [id, n] of c.paths) {
      const info = infoOf(id);
      if (!info) continue;
      let ps = pathSeries.get(id);
      if (!ps) pathSeries.set(id, (ps = { what: 'path', key: info.text, at: [], n: [] }));
      bumpIn(ps, i, n);
      if (info.family) bumpIn(info.family, i, n);
    }
    sockImages.push(c.socks);
  });
  // Sockets by the fixed end of their connections, told once the series is counted.
  for (const [i, key, n] of groupSockets(sockImages)) bump('socket', key, i, n);
  const suspects: LeakSuspect[] = [];
  const limitReached = reachedLimit(points);
  // Growth that the limit stopped: judged over the process's run up to the capture where it reached the limit.
  const grew = limitReached?.grew ? limitReached : null;
  if (rows.length >= 2) {
    const times = rows.map((r) => r.capture_time);
    /** Growth of counts `c` over images from..to: its span, and its rate an hour (a least-squares slope). */
    const over = (c: number[], from: number, to: number) => {
      const spanMs = times[to]! - times[from]!;
      return { spanMs, perHour: spanMs > 0 ? slopePerHour(times.slice(from, to + 1), c.slice(from, to + 1)) : 0 };
    };
    for (const s of [...series.values(), ...pathSeries.values()]) {
      // Absent from the last image, or (in a series of three or more, which
      // wants growth at two steps) present in one only: never a leak.
      if (s.at[s.at.length - 1] !== rows.length - 1 || (s.at.length < 2 && rows.length >= 3)) continue;
      const c = new Array<number>(rows.length).fill(0);
      for (let k = 0; k < s.at.length; k++) c[s.at[k]!] = s.n[k]!;
      const toLimit = grew && untilLimit(c, grew);
      if (toLimit) {
        const { from } = grew;
        const { first, peak, to } = toLimit;
        const { spanMs, perHour } = over(c, from, to);
        suspects.push({
          what: s.what,
          key: s.key,
          counts: c,
          first,
          last: peak,
          perHour,
          perImage: (peak - first) / (to - from),
          text: `${growthText(first, peak, spanMs, perHour)} until process ${grew.pid} reached its fd limit of ${grew.soft} at ${at(grew.time)}, at it since`,
          untilLimit: { from, to, index: grew.index, time: grew.time, pid: grew.pid, soft: grew.soft },
        });
        continue;
      }
      let monotone = true;
      for (let i = 1; i < c.length; i++) if (c[i]! < c[i - 1]!) monotone = false;
      const first = c[0]!;
      const last = c[c.length - 1]!;
      if (!monotone || last <= first) continue;
      // A path that appears once and stays is not a leak: require growth at two or more steps when the series allows it.
      let steps = 0;
      for (let i = 1; i < c.length; i++) if (c[i]! > c[i - 1]!) steps++;
      if (c.length >= 3 && steps < 2) continue;
      const { spanMs, perHour } = over(c, 0, c.length - 1);
      suspects.push({
        what: s.what,
        key: s.key,
        counts: c,
        first,
        last,
        perHour,
        perImage: (last - first) / (c.length - 1),
        text: growthText(first, last, spanMs, perHour),
      });
    }
  }
  const order = { socket: 0, prefix: 1, path: 2, kind: 3 };
  suspects.sort((a, b) => b.perImage - a.perImage || order[a.what] - order[b.what] || a.key.localeCompare(b.key));
  return {
    selector: sel,
    program: rows[rows.length - 1]!.program,
    points,
    kinds: [...kinds].sort(),
    suspects,
    projection: projectLimit(points),
    limitReached,
    ...processProjections(ctx, rows),
    elapsedMs: performance.now() - t0,
  };
}

/**
 * How far below its soft limit a process at it may dip and still be at it:
 * at the limit every open fails with EMFILE, and a connection closed frees a
 * slot the next accept takes, so a process at its limit wobbles just under it.
 */
export function limitSlack(soft: number): number {
  return Math.max(2, Math.ceil(soft * 0.02));
}

/**
 * The series' process at its soft fd limit from a point to the last one:
 * the trailing run of points of the last point's pid and soft limit within
 * limitSlack of it, at or over it at `index` (the first such point of the
 * run), and where its growth into it began: the first point of its trailing
 * run of the same pid (a restart resets the count), `grew` when it held
 * fewer fds there than the limit less its slack. A process that sat at its
 * limit from its first capture did not grow into it in this series.
 */
export function reachedLimit(points: readonly TimelinePoint[]): LimitReached | null {
  const n = points.length;
  const last = points[n - 1]?.process;
  const soft = last?.fdLimit?.soft;
  if (!last || soft === null || soft === undefined) return null;
  const near = soft - limitSlack(soft);
  const same = (i: number) => points[i]!.process?.pid === last.pid;
  let p0 = n - 1;
  while (p0 > 0 && same(p0 - 1) && points[p0 - 1]!.process!.fdLimit?.soft === soft && points[p0 - 1]!.process!.fds >= near) p0--;
  if (points[p0]!.process!.fds < near) return null;
  let index = -1;
  for (let i = p0; i < n && index < 0; i++) if (points[i]!.process!.fds >= soft) index = i;
  if (index < 0) return null;
  let from = p0;
  while (from > 0 && same(from - 1)) from--;
  const fromFds = points[from]!.process!.fds;
  const reachedFds = points[index]!.process!.fds;
  const grew = from < p0 && fromFds < near;
  const time = points[index]!.time;
  const since = n - 1 - index;
  const sinceText = since
    ? `; at it since (${since} later capture${since === 1 ? '' : 's'}, the last holding ${last.fds})`
    : ' (the last capture)';
  const text = grew
    ? `process ${last.pid} grew from ${fromFds} to ${reachedFds} fds and reached its soft limit of ${soft} at ${at(time)}${sinceText}: opens fail with EMFILE`
    : `process ${last.pid} was at its soft limit of ${soft} from its first capture (${at(points[from]!.time)}, ${fromFds} fds) to the last: ` +
      'no growth into it in this series (it reached the limit before the series began, or holds that many by design)';
  return { pid: last.pid, soft, from, fromFds, index, time, grew, text };
}

/**
 * A count that grew while the series' process grew into its soft limit and
 * stopped there (it can open no more). From `from` to its peak it never
 * drops, ends higher than it started and grows at two steps or more, the
 * last of them in the last tenth of the run up to the limit (something that
 * grew early and then sat still did not grow into it); its peak is at the limit or soon after (at the
 * limit a slot freed now and then is taken by what leaks: a tenth of the
 * growth at most, more is growth the limit did not stop, the steady rule's),
 * and to the end it keeps at least half of what it gained. Its rates are of
 * the growth: from `from` to the peak.
 */
function untilLimit(c: number[], r: LimitReached): { first: number; peak: number; to: number } | null {
  const { from, index } = r;
  const first = c[from]!;
  let peak = first;
  let to = from;
  for (let i = from; i < c.length; i++)
    if (c[i]! > peak) {
      peak = c[i]!;
      to = i;
    }
  const atLimit = c[index]!;
  if (atLimit <= first || (peak - atLimit) * 10 > atLimit - first) return null;
  // Still growing when the limit was reached: its last rise is in the last tenth of the run up to it (or at the point before).
  if (to < index - Math.max(1, Math.floor((index - from) / 10))) return null;
  let steps = 0;
  for (let i = from + 1; i <= to; i++) {
    if (c[i]! < c[i - 1]!) return null;
    if (c[i]! > c[i - 1]!) steps++;
  }
  if (steps < 2) return null;
  const keep = first + Math.ceil((peak - first) / 2);
  for (let i = to + 1; i < c.length; i++) if (c[i]! < keep) return null;
  return { first, peak, to };
}

/** How many per-process projections a timeline carries: a screen's worth; the count says how many more there were. */
export const LIMIT_PROJECTIONS_MAX = 20;

/**
 * Every process of the last image against its own soft fd limit, fitted
 * like the program's process (projectSamples), those at their limit first,
 * then the earliest to reach it.
 *
 * A process is a pid running one command line (tasks.cmd_id: the exact
 * bytes): a pid the kernel reused for another program is not joined to
 * the one before it. A restart (same command, new pid) starts a new
 * process too, as projectLimit's trailing run of one pid does: a restart
 * resets the count, so a fit across it would read the drop as no growth
 * (or worse, fit the old process's rate). A process absent from a capture
 * in between is cut there the same way (it may have been restarted under a
 * pid it held before). The tasks table has no start time to tell more.
 * A process that retitles itself (setproctitle) starts a new series with
 * each title. Processes sharing one fd table (CLONE_FILES) are each listed:
 * each has its own limit against the one table.
 *
 * Two queries for the whole series, never one per image or per process (a
 * machine captured every few minutes is thousands of processes per image):
 * every process of the last FIT_WINDOW images, all a fit reads, and then
 * the listed processes' counts across the whole series, for the chart.
 */
function processProjections(ctx: LibraryContext, rows: ImageRow[]): Pick<Timeline, 'limitProjections' | 'limitProjectionCount'> {
  const tail = rows.slice(-FIT_WINDOW);
  const ids = (images: ImageRow[]) => JSON.stringify(images.map((r) => r.id));
  const key = (pid: number, cmdId: number) => `${pid} ${cmdId}`;
  // Thread group leaders only: threads share their leader's table and limit.
  const tasks = `FROM json_each(?) j JOIN tasks t ON t.image_id = j.value AND t.pid = t.tgid
    LEFT JOIN fdtables f ON f.image_id = t.image_id AND f.ref = t.table_ref`;
  interface Proc {
    pid: number;
    cmdId: number;
    commId: number;
    samples: (ProcessSample | null)[];
  }
  const procs = new Map<string, Proc>();
  const tailAt = new Map(tail.map((r, i) => [r.id, i]));
  const stmt = ctx.db.prepare(`SELECT t.image_id, t.pid, t.cmd_id, t.comm_id, t.fd_soft, t.fd_hard, coalesce(f.nfds, 0) ${tasks}`).raw();
  for (const [imageId, pid, cmdId, commId, soft, hard, fds] of stmt.iterate(ids(tail)) as IterableIterator<
    [number, number, number, number, number | null, number | null, number]
  >) {
    const i = tailAt.get(imageId)!;
    let p = procs.get(key(pid, cmdId));
    if (!p) procs.set(key(pid, cmdId), (p = { pid, cmdId, commId, samples: new Array<ProcessSample | null>(tail.length).fill(null) }));
    p.samples[i] = { time: tail[i]!.capture_time, pid, fds, fdLimit: fdLimitOfRow(soft, hard) };
  }
  const found: [LimitProjection, Proc][] = [];
  for (const p of procs.values()) {
    // Only the processes still there at the last capture are heading anywhere.
    if (!p.samples[tail.length - 1]) continue;
    const proj = projectSamples(p.samples);
    if (proj) found.push([proj, p]);
  }
  // At the limit is already failing opens: before any projection; among those, the furthest over it first.
  const at = (x: LimitProjection) => x.reachTime ?? -Infinity;
  found.sort(([a], [b]) => at(a) - at(b) || b.fds / b.soft - a.fds / a.soft || a.pid - b.pid);
  const shown = found.slice(0, LIMIT_PROJECTIONS_MAX);
  const counts = new Map(shown.map(([, p]) => [key(p.pid, p.cmdId), new Array<number | null>(rows.length).fill(null)]));
  if (shown.length) {
    const pointAt = new Map(rows.map((r, i) => [r.id, i]));
    const countStmt = ctx.db
      .prepare(`SELECT t.image_id, t.pid, t.cmd_id, coalesce(f.nfds, 0) ${tasks} WHERE t.pid IN (SELECT value FROM json_each(?))`)
      .raw();
    for (const [imageId, pid, cmdId, fds] of countStmt.iterate(ids(rows), JSON.stringify(shown.map(([, p]) => p.pid))) as IterableIterator<
      [number, number, number, number]
    >) {
      const c = counts.get(key(pid, cmdId));
      if (c) c[pointAt.get(imageId)!] = fds;
    }
  }
  const str = (id: number) => ctx.strings.value(id);
  const limitProjections = shown.map(([proj, p]): ProcessLimitProjection => ({
    ...proj,
    commText: displayBStr(str(p.commId)),
    cmdline: splitCmdline(str(p.cmdId)).map(displayBStr).join(' ') || displayBStr(str(p.commId)),
    counts: counts.get(key(p.pid, p.cmdId))!,
    reaches: proj.reachTime === null ? 'at it now' : `${inAbout(proj.hoursLeft!)}${around(proj.reachTime)}`,
  }));
  return { limitProjections, limitProjectionCount: found.length };
}

/** Least-squares slope of count over time, in fds per hour. */
function slopePerHour(times: number[], counts: number[]): number {
  const n = times.length;
  const t = times.map((x) => (x - times[0]!) / 36e5);
  const mt = t.reduce((a, b) => a + b, 0) / n;
  const mc = counts.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (t[i]! - mt) * (counts[i]! - mc);
    den += (t[i]! - mt) ** 2;
  }
  return den > 0 ? num / den : 0;
}

/** The most recent points a projection fits its rate to. */
export const FIT_WINDOW = 10;
/** Fewer points than this give no rate: two captures cannot tell a leak from churn. */
export const FIT_MIN = 3;

/** One process at one capture, as a projection reads it. */
export interface ProcessSample {
  time: number;
  pid: number;
  fds: number;
  fdLimit: FdLimitValue | null;
}

/** When the series' process would reach its soft fd limit: projectSamples over each point's process. */
export function projectLimit(points: TimelinePoint[]): LimitProjection | null {
  return projectSamples(points.map((p) => (p.process ? { time: p.time, ...p.process } : null)));
}

/**
 * When a process would reach its soft fd limit at the rate its fds grow,
 * or that it already holds that many: from its samples in capture order,
 * null where a capture has none of it; the last one is now.
 *
 * The rate is the least-squares slope of the process's fd count over
 * capture time, over the trailing run of samples of the same process (same
 * pid as the last one, none missing: a restart resets the count, so
 * earlier samples describe another process), at most the last FIT_WINDOW
 * of them, and none from before its soft limit last changed (a process
 * pinned at a limit it then raised would read as barely growing). Least
 * squares rather than first-to-last: per-capture churn
 * (short-lived connections) moves single points, and a fit over all of
 * them moves less. The recent part rather than the whole run: a leak that
 * began (or sped up) midway is projected at its current rate, which is the
 * one that will hit the limit; ten points still average the churn out.
 * The projection starts from the last observed count, not from the fitted
 * line: the count is a fact, only the rate is estimated.
 *
 * "Growing" needs at least FIT_MIN points, a positive slope, a fitted rise
 * of at least one fd across the window and a last count above the
 * window's first: below that the fit is reading noise, and a projection of
 * years from a flat series would be noise too. null: no soft limit known
 * at the last sample, unlimited, or not growing.
 */
export function projectSamples(samples: readonly (ProcessSample | null)[]): LimitProjection | null {
  const proc = samples[samples.length - 1];
  if (!proc?.fdLimit || proc.fdLimit.soft === null) return null;
  const { soft, hard } = proc.fdLimit;
  const base = { pid: proc.pid, fds: proc.fds, soft, hard };
  const hardNote =
    hard === null
      ? ' (its hard limit is unlimited: it may raise the soft one)'
      : hard > soft
        ? ` (hard limit ${hard}: it may raise the soft one)`
        : '';
  if (proc.fds >= soft)
    return {
      state: 'at-limit',
      ...base,
      perHour: 0,
      fitPoints: 0,
      hoursLeft: null,
      reachTime: null,
      text: `process ${proc.pid} holds ${proc.fds} fds: at or over its soft limit of ${soft}${hardNote}`,
    };
  let from = samples.length - 1;
  // Back to where the soft limit was last changed, too: captures taken
  // under the old limit (pinned at it, or below a limit since raised) tell
  // nothing of the rate under this one.
  while (from > 0 && samples.length - from < FIT_WINDOW && samples[from - 1]?.pid === proc.pid && samples[from - 1]!.fdLimit?.soft === soft)
    from--;
  const run = samples.slice(from) as ProcessSample[];
  if (run.length < FIT_MIN) return null;
  const times = run.map((p) => p.time);
  const counts = run.map((p) => p.fds);
  const perHour = slopePerHour(times, counts);
  const spanHours = (times[times.length - 1]! - times[0]!) / 36e5;
  if (!(perHour > 0) || perHour * spanHours < 1 || counts[counts.length - 1]! <= counts[0]!) return null;
  const hoursLeft = (soft - proc.fds) / perHour;
  const reachTime = proc.time + hoursLeft * 36e5;
  return {
    state: 'growing',
    ...base,
    perHour,
    fitPoints: run.length,
    hoursLeft,
    reachTime,
    text:
      `process ${proc.pid} holds ${proc.fds} fds, growing by ${formatRate(perHour)} an hour: ` +
      `reaches its soft limit of ${soft} ${inAbout(hoursLeft)}${around(reachTime)}${hardNote}`,
  };
}

/**
 * A time from now as a person says it: minutes under an hour, hours under
 * two days, days beyond; under a minute as such, not rounded up to one.
 */
export function inAbout(h: number): string {
  if (h * 60 < 1) return 'in less than a minute';
  if (h < 1) return `in about ${Math.round(h * 60)} min`;
  if (h < 48) return `in about ${Math.round(h)} h`;
  const d = h / 24;
  return `in about ${d < 1000 ? `${Math.round(d)} d` : `${Math.round(d / 365.25)} years`}`;
}

/** ", around 2026-11-27 14:05 UTC", to the nearest minute; nothing past what a Date can hold. */
function around(ms: number): string {
  const t = at(ms);
  return t ? `, around ${t}` : '';
}

/** "2026-11-27 14:05 UTC", to the nearest minute; '' past what a Date can hold. */
function at(ms: number): string {
  const t = new Date(Math.round(ms / 60_000) * 60_000);
  return Number.isFinite(t.getTime()) ? `${t.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '';
}
