/**
 * `ckpt diff A B` from the index (decoding two large images would cost more
 * than the whole budget). Processes are paired by pid, or by command line
 * when a restart changed the pids (fewer than half the pid pairs run the
 * same command while command pairing finds more); fds are paired by number
 * within a process pair. Sharing is judged per open file across processes.
 */
import { bstrToJson, describeFile, displayBStr, formatFlags } from '../../src-shared/model/index.js';
import type { AttrRecord, BStr } from '../../src-shared/model/index.js';
import type {
  DiffFd,
  DiffField,
  DiffMatching,
  DiffOptions,
  DiffResult,
  DiffTask,
  FdChange,
  FieldChange,
  FdLimitValue,
  LimitChange,
  SharingChange,
  TableChange,
  TaskDiff,
  U64Json,
} from '../../src-shared/store-types.js';
import type { LibraryContext } from '../store/context.js';
import { StoreError } from '../store/errors.js';
import { toSummary, type ImageRow } from '../store/images.js';
import { splitCmdline } from '../store/intern.js';
import { fileFromPack, parseAttrs } from './rows.js';
import { BIT_CLOEXEC, BIT_DELETED, BIT_SHARED, P as PF, PACK_FIELDS as PACK_FIELDS_, joinU64, unpack } from '../store/fdpack.js';
import { fdLimitOfRow } from '../store/schema.js';

// Copied once: the inner loops read these hundreds of thousands of times.
const PACK_FIELDS = PACK_FIELDS_;
const P = { ...PF };

interface Proc {
  pid: number;
  tgid: number;
  commId: number;
  cmdId: number;
  table: number;
  /** null: not recorded (an image before format 1.2, a library indexed before schema 3). */
  fdLimit: FdLimitValue | null;
}

interface Loaded {
  row: ImageRow;
  procs: Proc[];
  pack: Int32Array;
  /** fd table ref -> [first, end) fd indexes in the pack. */
  ranges: Map<number, [number, number]>;
  tableProcs: Map<number, number[]>;
  holders: Map<number, { pid: number; fd: number }[]> | null;
}

function load(ctx: LibraryContext, row: ImageRow): Loaded {
  const db = ctx.db;
  const tasks = db
    .prepare('SELECT pid, tgid, comm_id, cmd_id, table_ref, fd_soft, fd_hard FROM tasks WHERE image_id = ? ORDER BY pid')
    .raw()
    .all(row.id) as [number, number, number, number, number, number | null, number | null][];
  const procs: Proc[] = [];
  const tableProcs = new Map<number, number[]>();
  for (const [pid, tgid, commId, cmdId, table, soft, hard] of tasks) {
    if (pid !== tgid) continue;
    procs.push({ pid, tgid, commId, cmdId, table, fdLimit: fdLimitOfRow(soft, hard) });
    if (!table) continue;
    const l = tableProcs.get(table);
    if (l) l.push(pid);
    else tableProcs.set(table, [pid]);
  }
  // The tables' packs, one after the other, as one array with each table's range.
  const blobs = db.prepare('SELECT ref, data FROM fdtables WHERE image_id = ?').raw().all(row.id) as [number, Buffer][];
  const total = blobs.reduce((n, [, b]) => n + b.byteLength, 0) >> 2;
  if (total !== row.n_fds * PACK_FIELDS)
    throw new StoreError(
      'corrupt',
      `image ${row.sha256.slice(0, 12)}: its packed fds do not add up to its ${row.n_fds} fds (run ckpt verify --all)`,
    );
  const pack = new Int32Array(total);
  const ranges = new Map<number, [number, number]>();
  let at = 0;
  for (const [ref, b] of blobs) {
    const p = unpack(b);
    pack.set(p, at);
    ranges.set(ref, [at / PACK_FIELDS, (at + p.length) / PACK_FIELDS]);
    at += p.length;
  }
  return { row, procs, pack, ranges, tableProcs, holders: null };
}

/** Holders (pid, fd) of each open file; built only when some sharing changed. */
function holdersOf(L: Loaded): Map<number, { pid: number; fd: number }[]> {
  if (L.holders) return L.holders;
  const h = new Map<number, { pid: number; fd: number }[]>();
  const p = L.pack;
  for (const [table, [s, e]] of L.ranges) {
    const pids = L.tableProcs.get(table);
    if (!pids) continue;
    for (let i = s; i < e; i++) {
      const file = p[i * PACK_FIELDS + P.file]!;
      let l = h.get(file);
      if (!l) h.set(file, (l = []));
      for (const pid of pids) l.push({ pid, fd: p[i * PACK_FIELDS + P.fd]! });
    }
  }
  return (L.holders = h);
}

function pairBy(a: Proc[], b: Proc[], key: (p: Proc) => number): [Proc, Proc][] {
  const groups = new Map<number, Proc[]>();
  for (const p of b) {
    const l = groups.get(key(p));
    if (l) l.push(p);
    else groups.set(key(p), [p]);
  }
  const out: [Proc, Proc][] = [];
  for (const p of a) {
    const l = groups.get(key(p));
    if (l && l.length) out.push([p, l.shift()!]);
  }
  return out;
}

/** Pack indexes of one table's fds, ordered by fd number. */
function fdOrder(L: Loaded, table: number): number[] {
  const r = L.ranges.get(table);
  if (!r) return [];
  const out: number[] = [];
  for (let i = r[0]; i < r[1]; i++) out.push(i);
  const p = L.pack;
  for (let k = 1; k < out.length; k++)
    if (p[out[k]! * PACK_FIELDS + P.fd]! < p[out[k - 1]! * PACK_FIELDS + P.fd]!) {
      out.sort((x, y) => p[x * PACK_FIELDS + P.fd]! - p[y * PACK_FIELDS + P.fd]!);
      break;
    }
  return out;
}

/**
 * The distinct non-zero values of one pack field over the packs, ascending:
 * marked in a bitmap over their span (ids are row ids, dense enough), which
 * is several times faster than a Set of 200,000 numbers.
 */
function distinctIds(packs: Int32Array[], field: number): number[] {
  let hi = 0;
  for (const p of packs) for (let o = field; o < p.length; o += PACK_FIELDS) if (p[o]! > hi) hi = p[o]!;
  const seen = new Uint8Array(hi + 1);
  for (const p of packs) for (let o = field; o < p.length; o += PACK_FIELDS) seen[p[o]!] = 1;
  const out: number[] = [];
  for (let id = 1; id <= hi; id++) if (seen[id]) out.push(id);
  return out;
}

/** How far a position moved, from pack offsets `oa` and `ob`; a bigint only where a position is past 2^53. */
function posDeltaOf(pa: Int32Array, oa: number, pb: Int32Array, ob: number): U64Json {
  const a = joinU64(pa[oa + P.posHi]!, pa[oa + P.posLo]!);
  const b = joinU64(pb[ob + P.posHi]!, pb[ob + P.posLo]!);
  if (typeof a === 'number' && typeof b === 'number') return b - a;
  const d = BigInt(b) - BigInt(a);
  return d >= -BigInt(Number.MAX_SAFE_INTEGER) && d <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(d) : d.toString();
}

export function runDiff(ctx: LibraryContext, refA: string, refB: string, opts: DiffOptions = {}): DiffResult {
  const t0 = performance.now();
  if (opts.matching !== undefined && opts.matching !== 'pid' && opts.matching !== 'command')
    throw new StoreError('bad-argument', `diff matching must be "pid" or "command", got ${JSON.stringify(opts.matching)}`);
  const A = load(ctx, ctx.resolve(refA));
  const B = load(ctx, ctx.resolve(refB));
  const strCache = new Map<number, BStr>();
  const str = (id: number): BStr => {
    let v = strCache.get(id);
    if (v === undefined) strCache.set(id, (v = ctx.strings.value(id)));
    return v;
  };
  const attrCache = new Map<number, BStr>();

  // What pairs processes by command: the command line, or where there is
  // none (a kernel thread; a CRIU dump, which does not keep it) the comm,
  // as a negative key apart from every command line's: an empty command
  // line would pair any two such processes.
  const cmdKey = (p: Proc): number => {
    const c = str(p.cmdId);
    return c.length > 0 ? p.cmdId : -1 - p.commId;
  };
  const byPid = pairBy(A.procs, B.procs, (p) => p.pid);
  let matching: DiffMatching = opts.matching ?? 'pid';
  let pairs = byPid;
  if (!opts.matching) {
    const sameCmd = byPid.filter(([x, y]) => cmdKey(x) === cmdKey(y)).length;
    const byCmd = pairBy(A.procs, B.procs, cmdKey);
    if (sameCmd * 2 < Math.min(A.procs.length, B.procs.length) && byCmd.length > sameCmd) {
      matching = 'command';
      pairs = byCmd;
    }
  } else if (matching === 'command') pairs = pairBy(A.procs, B.procs, cmdKey);

  const pairedA = new Set(pairs.map(([x]) => x));
  const pairedB = new Set(pairs.map(([, y]) => y));
  const fdCount = (L: Loaded, p: Proc) => {
    const r = L.ranges.get(p.table);
    return r ? r[1] - r[0] : 0;
  };
  const task = (L: Loaded, p: Proc): DiffTask => {
    const comm = str(p.commId);
    return {
      pid: p.pid,
      tgid: p.tgid,
      comm: bstrToJson(comm),
      commText: displayBStr(comm),
      cmdline: splitCmdline(str(p.cmdId)).map(displayBStr).join(' '),
      fdCount: fdCount(L, p),
    };
  };
  // Strings come one query at a time until many are needed; then every
  // path and attribute text either image's pack names is read in one go
  // (one query for both: two captures share most of their strings).
  const PRELOAD_AFTER = 2000;
  let misses = 0;
  let preloaded = false;
  const preload = () => {
    preloaded = true;
    ctx.strings.values(distinctIds([A.pack, B.pack], P.path), strCache);
    ctx.attrs.values(distinctIds([A.pack, B.pack], P.attrs), attrCache);
  };
  const strOf = <T>(id: number, cache: Map<number, T>, one: (id: number) => T): T => {
    let v = cache.get(id);
    if (v === undefined) {
      if (++misses > PRELOAD_AFTER && !preloaded) {
        preload();
        v = cache.get(id);
      }
      if (v === undefined) cache.set(id, (v = one(id)));
    }
    return v;
  };
  // Two unrelated images list every fd as changed: each attribute row and
  // flag word is then met thousands of times, parsed or named once here.
  const parsedAttrs = new Map<number, AttrRecord>();
  const flagText = new Map<number, string>();
  const fdOf = (L: Loaded, i: number): DiffFd => {
    const p = L.pack;
    const o = i * PACK_FIELDS;
    const path = strOf(p[o + P.path]!, strCache, (id) => ctx.strings.value(id));
    const attrsId = p[o + P.attrs]!;
    let attrs: AttrRecord | null = null;
    if (attrsId) {
      attrs = parsedAttrs.get(attrsId) ?? null;
      if (!attrs) {
        const json = strOf(attrsId, attrCache, (id) => ctx.attrs.value(id));
        parsedAttrs.set(attrsId, (attrs = parseAttrs(typeof json === 'string' ? json : null)));
      }
    }
    const f = fileFromPack(p, o, path, attrs);
    const bits = p[o + P.bits]!;
    let names = flagText.get(f.flags);
    if (names === undefined) flagText.set(f.flags, (names = formatFlags(f.flags)));
    return {
      fd: p[o + P.fd]!,
      kind: f.kind,
      target: describeFile(f),
      path: bstrToJson(path),
      flags: f.flags,
      flagNames: names,
      pos: typeof f.pos === 'bigint' ? f.pos.toString() : f.pos,
      cloexec: (bits & BIT_CLOEXEC) !== 0,
      deleted: f.deleted,
      fileRef: f.ref,
    };
  };
  const others = (L: Loaded, i: number, pid: number) =>
    (holdersOf(L).get(L.pack[i * PACK_FIELDS + P.file]!) ?? []).filter((h) => h.pid !== pid);

  const tasks: TaskDiff[] = [];
  const summary = {
    tasksAppeared: 0,
    tasksVanished: 0,
    tasksChanged: 0,
    fdsOpened: 0,
    fdsClosed: 0,
    fdsChanged: 0,
    sharingStarted: 0,
    sharingEnded: 0,
    tablesBecameShared: 0,
    tablesSplit: 0,
    fdLimitsChanged: 0,
  };
  const limitChanges: LimitChange[] = [];
  const pa_ = A.pack;
  const pb_ = B.pack;
  const scratch: FieldChange[] = [];
  // A kind, flags, cloexec or deleted change takes few distinct values: one
  // frozen object for each, shared by every fd that made it. What the two
  // sides of a changed fd keep is most of the garbage collector's work on
  // two unrelated images (every fd changed), so the less each keeps, the
  // faster; the target and position are the fd's own.
  const commonChanges = new Map<string, FieldChange>();
  const common = (field: DiffField, before: string, after: string): FieldChange => {
    const key = `${field}\0${before}\0${after}`;
    let c = commonChanges.get(key);
    if (!c) commonChanges.set(key, (c = Object.freeze({ field, before, after }) as FieldChange));
    return c;
  };
  for (const [pa, pb] of pairs) {
    const la = pa.fdLimit;
    const lb = pb.fdLimit;
    if (la && lb && (la.soft !== lb.soft || la.hard !== lb.hard))
      limitChanges.push({
        pid: pb.pid,
        beforePid: pa.pid,
        commText: displayBStr(str(pb.commId)),
        fds: fdCount(B, pb),
        before: la,
        after: lb,
      });
    const ia = fdOrder(A, pa.table);
    const ib = fdOrder(B, pb.table);
    const opened: DiffFd[] = [];
    const closed: DiffFd[] = [];
    const changed: FdChange[] = [];
    const sharingStarted: SharingChange[] = [];
    const sharingEnded: SharingChange[] = [];
    let x = 0;
    let y = 0;
    while (x < ia.length || y < ib.length) {
      const oa = x < ia.length ? ia[x]! * PACK_FIELDS : -1;
      const ob = y < ib.length ? ib[y]! * PACK_FIELDS : -1;
      const fa = oa >= 0 ? pa_[oa + P.fd]! : Infinity;
      const fb = ob >= 0 ? pb_[ob + P.fd]! : Infinity;
      if (fa < fb) {
        closed.push(fdOf(A, ia[x++]!));
        continue;
      }
      if (fb < fa) {
        opened.push(fdOf(B, ib[y++]!));
        continue;
      }
      const i = ia[x++]!;
      const j = ib[y++]!;
      const sameTarget =
        pa_[oa + P.kind] === pb_[ob + P.kind] && pa_[oa + P.path] === pb_[ob + P.path] && pa_[oa + P.attrs] === pb_[ob + P.attrs];
      const bitsA = pa_[oa + P.bits]!;
      const bitsB = pb_[ob + P.bits]!;
      const samePos = pa_[oa + P.posHi] === pb_[ob + P.posHi] && pa_[oa + P.posLo] === pb_[ob + P.posLo];
      if (!sameTarget || pa_[oa + P.flags] !== pb_[ob + P.flags] || !samePos || (bitsA & ~BIT_SHARED) !== (bitsB & ~BIT_SHARED)) {
        const before = fdOf(A, i);
        const after = fdOf(B, j);
        const changes = scratch;
        if (pa_[oa + P.kind] !== pb_[ob + P.kind]) changes.push(common('kind', before.kind, after.kind));
        if (!sameTarget && before.target !== after.target) changes.push({ field: 'target', before: before.target, after: after.target });
        else if (!sameTarget)
          changes.push({
            field: 'target',
            before: `${before.target} (${JSON.stringify(before.path)})`,
            after: `${after.target} (${JSON.stringify(after.path)})`,
          });
        if (pa_[oa + P.flags] !== pb_[ob + P.flags]) changes.push(common('flags', before.flagNames, after.flagNames));
        let posDelta: U64Json | undefined;
        if (!samePos) {
          changes.push({ field: 'pos', before: String(before.pos), after: String(after.pos) });
          posDelta = posDeltaOf(pa_, oa, pb_, ob);
        }
        if ((bitsA & BIT_CLOEXEC) !== (bitsB & BIT_CLOEXEC))
          changes.push(common('cloexec', before.cloexec ? 'yes' : 'no', after.cloexec ? 'yes' : 'no'));
        if ((bitsA & BIT_DELETED) !== (bitsB & BIT_DELETED))
          changes.push(common('deleted', before.deleted ? 'yes' : 'no', after.deleted ? 'yes' : 'no'));
        if (changes.length) {
          // Copied at its size: a list grown by push keeps room for 16,
          // and every changed fd of two unrelated images keeps its list.
          const kept = changes.slice();
          changed.push(
            posDelta === undefined
              ? { fd: before.fd, before, after, changes: kept }
              : { fd: before.fd, before, after, changes: kept, posDelta },
          );
        }
        scratch.length = 0;
      }
      if ((bitsA & BIT_SHARED) !== (bitsB & BIT_SHARED)) {
        const wa = others(A, i, pa.pid);
        const wb = others(B, j, pb.pid);
        const sharing = (f: DiffFd, w: { pid: number; fd: number }[]): SharingChange => ({
          fd: f.fd,
          target: f.target,
          kind: f.kind,
          flagNames: f.flagNames,
          pos: f.pos,
          cloexec: f.cloexec,
          with: w,
        });
        if (!wa.length && wb.length) sharingStarted.push(sharing(fdOf(B, j), wb));
        else if (wa.length && !wb.length) sharingEnded.push(sharing(fdOf(A, i), wa));
      }
    }
    if (opened.length + closed.length + changed.length + sharingStarted.length + sharingEnded.length === 0) continue;
    tasks.push({ before: task(A, pa), after: task(B, pb), matchedBy: matching, opened, closed, changed, sharingStarted, sharingEnded });
    summary.tasksChanged++;
    summary.fdsOpened += opened.length;
    summary.fdsClosed += closed.length;
    summary.fdsChanged += changed.length;
    summary.sharingStarted += sharingStarted.length;
    summary.sharingEnded += sharingEnded.length;
  }
  const appeared = B.procs.filter((p) => !pairedB.has(p)).map((p) => task(B, p));
  const vanished = A.procs.filter((p) => !pairedA.has(p)).map((p) => task(A, p));
  summary.tasksAppeared = appeared.length;
  summary.tasksVanished = vanished.length;

  // Tables: processes that now share one table but did not, and the reverse.
  const tables: TableChange[] = [];
  const toB = new Map(pairs.map(([x, y]) => [x.pid, y]));
  const toA = new Map(pairs.map(([x, y]) => [y.pid, x]));
  for (const pids of B.tableProcs.values()) {
    if (pids.length < 2) continue;
    const before = new Set(pids.map((p) => toA.get(p)?.table).filter((t) => t !== undefined));
    if (before.size > 1) tables.push({ change: 'became-shared', pids });
  }
  for (const pids of A.tableProcs.values()) {
    if (pids.length < 2) continue;
    const after = new Set(pids.map((p) => toB.get(p)?.table).filter((t) => t !== undefined));
    if (after.size > 1) tables.push({ change: 'split', pids });
  }
  summary.tablesBecameShared = tables.filter((t) => t.change === 'became-shared').length;
  summary.tablesSplit = tables.filter((t) => t.change === 'split').length;
  tasks.sort((x, y) => x.before.pid - y.before.pid);
  limitChanges.sort((x, y) => x.pid - y.pid);
  summary.fdLimitsChanged = limitChanges.length;
  return {
    a: toSummary(A.row),
    b: toSummary(B.row),
    matching,
    summary,
    appeared,
    vanished,
    tasks,
    tables,
    limits: limitChanges,
    elapsedMs: performance.now() - t0,
  };
}
