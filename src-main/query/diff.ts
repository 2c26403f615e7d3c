/**
 * `ckpt diff A B` from the index (decoding two large images would cost more
 * than the whole budget). Processes are paired by pid, or by command line
 * when a restart changed the pids (fewer than half the pid pairs run the
 * same command while command pairing finds more); fds are paired by number
 * within a process pair. Sharing is judged per open file across processes.
 * Each fd is compared on its pack fields alone; the changed ones are kept as
 * indexes (diff-result.ts) and shown as objects only when asked for.
 */
import { bstrToJson, displayBStr } from '../../src-shared/model/index.js';
import type { BStr } from '../../src-shared/model/index.js';
import type { DiffMatching, DiffOptions, DiffTask, LimitChange, TableChange } from '../../src-shared/store-types.js';
import type { LibraryContext } from '../store/context.js';
import { StoreError } from '../store/errors.js';
import { toSummary } from '../store/images.js';
import { splitCmdline } from '../store/intern.js';
import { BIT_CLOEXEC, BIT_DELETED, BIT_SHARED, P as PF, PACK_FIELDS as PACK_FIELDS_ } from '../store/fdpack.js';
import { fdCount, fdOrder, holdersOf, load, type Holder, type Loaded, type Proc } from './diff-load.js';
import { FdNames } from './diff-fd.js';
import { F_CLOEXEC, F_DELETED, F_FLAGS, F_KIND, F_POS, F_STATE, F_TARGET, type PairChanges } from './diff-changes.js';
import { LazyDiff } from './diff-result.js';
import { movedAttrs } from './diff-state.js';

// Copied once: the inner loops read these hundreds of thousands of times.
const PACK_FIELDS = PACK_FIELDS_;
const P = { ...PF };

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

export function runDiff(ctx: LibraryContext, refA: string, refB: string, opts: DiffOptions = {}): LazyDiff {
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
  // The other holders of an fd's open file, one list per file and process:
  // a file dup()ed 20,000 times and then shared by a fork has 20,000 fds
  // whose sharing changed, each with the same 20,000 others (a copy each ran
  // the diff out of memory).
  const otherCache = new Map<Loaded, Map<number, Map<number, Holder[]>>>();
  const others = (L: Loaded, i: number, pid: number): Holder[] => {
    const file = L.pack[i * PACK_FIELDS + P.file]!;
    let byFile = otherCache.get(L);
    if (!byFile) otherCache.set(L, (byFile = new Map()));
    let byPid = byFile.get(file);
    if (!byPid) byFile.set(file, (byPid = new Map()));
    let o = byPid.get(pid);
    if (!o) byPid.set(pid, (o = (holdersOf(L).get(file) ?? []).filter((h) => h.pid !== pid)));
    return o;
  };

  const changedPairs: PairChanges[] = [];
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
  // The fds the details may show, whose strings are read before returning.
  const shownA: number[] = [];
  const shownB: number[] = [];
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
    const opened: number[] = [];
    const closed: number[] = [];
    const changed: number[] = [];
    const sharingStarted: PairChanges['sharingStarted'] = [];
    const sharingEnded: PairChanges['sharingEnded'] = [];
    let x = 0;
    let y = 0;
    while (x < ia.length || y < ib.length) {
      const oa = x < ia.length ? ia[x]! * PACK_FIELDS : -1;
      const ob = y < ib.length ? ib[y]! * PACK_FIELDS : -1;
      const fa = oa >= 0 ? pa_[oa + P.fd]! : Infinity;
      const fb = ob >= 0 ? pb_[ob + P.fd]! : Infinity;
      if (fa < fb) {
        closed.push(ia[x]!);
        shownA.push(ia[x++]!);
        continue;
      }
      if (fb < fa) {
        opened.push(ib[y]!);
        shownB.push(ib[y++]!);
        continue;
      }
      const i = ia[x++]!;
      const j = ib[y++]!;
      const bitsA = pa_[oa + P.bits]!;
      const bitsB = pb_[ob + P.bits]!;
      const kindDiffers = pa_[oa + P.kind] !== pb_[ob + P.kind];
      const retargeted = kindDiffers || pa_[oa + P.path] !== pb_[ob + P.path];
      const mask =
        (kindDiffers ? F_KIND : 0) |
        (retargeted ? F_TARGET : pa_[oa + P.attrs] !== pb_[ob + P.attrs] ? F_STATE : 0) |
        (pa_[oa + P.flags] !== pb_[ob + P.flags] ? F_FLAGS : 0) |
        (pa_[oa + P.posHi] !== pb_[ob + P.posHi] || pa_[oa + P.posLo] !== pb_[ob + P.posLo] ? F_POS : 0) |
        ((bitsA & BIT_CLOEXEC) !== (bitsB & BIT_CLOEXEC) ? F_CLOEXEC : 0) |
        ((bitsA & BIT_DELETED) !== (bitsB & BIT_DELETED) ? F_DELETED : 0);
      if (mask) {
        changed.push(i, j, mask);
        shownA.push(i);
        shownB.push(j);
      }
      if ((bitsA & BIT_SHARED) !== (bitsB & BIT_SHARED)) {
        const wa = others(A, i, pa.pid);
        const wb = others(B, j, pb.pid);
        if (!wa.length && wb.length) {
          sharingStarted.push({ at: j, with: wb });
          shownB.push(j);
        } else if (wa.length && !wb.length) {
          sharingEnded.push({ at: i, with: wa });
          shownA.push(i);
        }
      }
    }
    const nChanged = changed.length / 3;
    if (opened.length + closed.length + nChanged + sharingStarted.length + sharingEnded.length === 0) continue;
    changedPairs.push({ before: task(A, pa), after: task(B, pb), opened, closed, changed, sharingStarted, sharingEnded });
    summary.tasksChanged++;
    summary.fdsOpened += opened.length;
    summary.fdsClosed += closed.length;
    summary.fdsChanged += nChanged;
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
  changedPairs.sort((x, y) => x.before.pid - y.before.pid);
  limitChanges.sort((x, y) => x.pid - y.pid);
  summary.fdLimitsChanged = limitChanges.length;
  const names = new FdNames(ctx, [
    { pack: pa_, at: shownA },
    { pack: pb_, at: shownB },
  ]);
  // Other attribute rows are a change of state only where a field both
  // images record moved: a 1.6 image against a 1.7 one (allocated blocks, a
  // unix listener's backlog) differs in rows without any.
  for (let k = changedPairs.length - 1; k >= 0; k--) {
    const c = changedPairs[k]!;
    let w = 0;
    for (let r = 0; r < c.changed.length; r += 3) {
      const i = c.changed[r]!;
      const j = c.changed[r + 1]!;
      let m = c.changed[r + 2]!;
      if (m & F_STATE && !movedAttrs(names.stateAttrs(pa_, i), names.stateAttrs(pb_, j)).length) m &= ~F_STATE;
      if (!m) continue;
      c.changed[w++] = i;
      c.changed[w++] = j;
      c.changed[w++] = m;
    }
    if (w === c.changed.length) continue;
    summary.fdsChanged -= (c.changed.length - w) / 3;
    c.changed.length = w;
    if (w || c.opened.length || c.closed.length || c.sharingStarted.length || c.sharingEnded.length) continue;
    changedPairs.splice(k, 1);
    summary.tasksChanged--;
  }
  return new LazyDiff(
    {
      a: toSummary(A.row),
      b: toSummary(B.row),
      matching,
      summary,
      appeared,
      vanished,
      tables,
      limits: limitChanges,
      elapsedMs: performance.now() - t0,
    },
    changedPairs,
    pa_,
    pb_,
    names,
  );
}
