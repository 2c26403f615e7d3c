import { defineCommand, payloadDelivered } from '../command.js';
import { UsageError } from '../args.js';
import { writeSnapshot } from '../../engine/writer.js';
import { writeFileAtomic } from '../../util/atomic-file.js';
import { readFileSync } from 'node:fs';
import type { Io } from '../command.js';
import type { Parsed } from '../args.js';
import type { ProcCaptureOptions } from '../../sources/proc/index.js';
// refusedWhy statically too: select.js is loaded anyway, and a dynamic
// import of it at the end of a capture costs a module job and file reads.
import { EmptySelectionError, NS_TYPES, NoSuchProcessError, namespaceLink, refusedWhy, type NsType } from '../../sources/proc/select.js';
import { commProblem, resolveUsers, splitCommList } from '../../../src-shared/model/proc-select.js';
import { contentsText, counted, displayBStr, keptTableOut, type Snapshot } from '../../../src-shared/model/index.js';
import { systemUsers } from '../../util/passwd.js';

/** --user USER|UID[,...]: uids, in the order given; a name /etc/passwd does not know is a usage error naming it. */
function parseUsers(words: string[]): number[] {
  const r = resolveUsers(
    words.flatMap((w) => w.split(',').map((u) => u.trim())),
    systemUsers,
  );
  if ('unknown' in r) throw new UsageError(`--user: no such user "${displayBStr(r.unknown)}" (not in /etc/passwd)`);
  return r.uids;
}

/** --comm NAME[,...]: a comm is at most 15 bytes (TASK_COMM_LEN), so a longer NAME could never match. */
function parseComms(words: string[]): string[] {
  const out = words.flatMap(splitCommList);
  for (const c of out) {
    const problem = commProblem(c);
    if (problem) throw new UsageError(`--comm: ${problem}`);
  }
  return [...new Set(out)];
}

/** "500ms", "5s", "2m", "1h" or a plain number of seconds, in ms. */
function parseDuration(option: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m?.[2] ?? 's']!;
  const ms = m ? Number(m[1]) * unit : NaN;
  if (!(ms >= 10 && ms <= 7 * 24 * 3_600_000)) throw new UsageError(`--${option}: not a duration between 10ms and 7 days: "${text}"`);
  return ms;
}

/**
 * Listens for SIGINT and SIGTERM from its creation, which is before a
 * capture's stored line is printed: a signal that follows the line (a
 * script that waits for it, Ctrl-C) must end the series, never kill it.
 * `wait(ms)` resolves true at once if a signal came or comes first; the
 * timer must not keep the process alive after one.
 */
function signalLatch() {
  let fired = false;
  let wake: (() => void) | undefined;
  const onSignal = () => {
    fired = true;
    wake?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const dispose = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  const wait = (ms: number) =>
    new Promise<boolean>((resolve) => {
      if (fired) return resolve(true);
      const timer = setTimeout(() => resolve(false), ms);
      wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  return { wait, dispose, fired: () => fired };
}

/**
 * "process N exited ..." when every process in `snap` is a zombie, naming
 * who has not reaped it; else null (one still runs, or none was found).
 */
function exitedUnreaped(snap: Snapshot): string | null {
  const procs = snap.tasks.filter((t) => t.pid === t.tgid);
  if (!procs.length || !procs.every((t) => t.zombie)) return null;
  return procs.map((t) => `process ${t.pid} exited and is a zombie (its parent, process ${t.ppid}, has not reaped it)`).join('; ');
}

/**
 * `--every`: one capture per interval (measured from the start of each, so
 * a slow capture is followed at once by the next), each stored as it is
 * taken, in one process: after the first, captures run warm. SIGINT or
 * SIGTERM while a capture is stored or while waiting ends the series (exit
 * 0, the capture stored whole); during a capture they act as they always
 * do (a frozen process is resumed, nothing stored).
 */
async function captureSeries(sel: ProcCaptureOptions, every: number, opts: Parsed['opts'], io: Io): Promise<number> {
  const { captureProc, missingPids } = await import('../../sources/proc/index.js');
  const { openLibrary, storeSnapshot } = await import('./library-util.js');
  // The namespace the series watches is the one `of` is in now: if `of`
  // exits, its pid may go to a process of another namespace (the host's).
  if (sel.ns && !sel.ns.link) sel = { ...sel, ns: { ...sel.ns, link: namespaceLink('/proc', sel.ns.type, sel.ns.of) } };
  const store = openLibrary(opts);
  const count = (opts.count as number | undefined) ?? Infinity;
  let stored = 0;
  try {
    for (let n = 0; n < count; n++) {
      const started = Date.now();
      let snap;
      try {
        snap = await captureProc(sel);
      } catch (e) {
        // The processes a --pid series follows are gone, and cannot come
        // back (a pid reused later is another process): the series is over.
        if (e instanceof NoSuchProcessError && n > 0) {
          const who = e.pids.length === 1 ? `process ${e.pids[0]}` : `processes ${e.pids.join(', ')}`;
          io.err(`${who} exited; the series ends after ${counted(stored, 'capture')}`);
          return 0;
        }
        // A container between processes, a unit restarting: the series
        // waits for the next round. Only the first round must find one.
        if (!(e instanceof EmptySelectionError) || n === 0) throw e;
        io.err(`${n + 1}: ${e.message}${n + 1 < count ? '; trying again at the next interval' : ''}`);
      }
      const missing = snap ? missingPids(snap) : [];
      if (missing.length) io.err(`${n + 1}: no such process: ${missing.join(', ')} (an error record each in the image)`);
      const latch = signalLatch();
      try {
        if (snap) {
          storeSnapshot(store, snap, opts, io, `${n + 1}: `);
          stored++;
        }
        // Test hook: a slow store (a big image, a busy disk), so a test can signal during it.
        const hold = Number(process.env.CKPT_TEST_HOLD_STORED_MS) || 0;
        if (hold > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, hold);
        // Every process a --pid series follows is a zombie: it has exited,
        // and holds nothing it could still open or close. Stored once, so
        // the library shows how it ended; further captures would repeat it.
        const zombies = snap && sel.pids ? exitedUnreaped(snap) : null;
        if (zombies) {
          io.err(`${zombies}; the series ends after ${counted(stored, 'capture')}`);
          break;
        }
        if (n + 1 >= count) break;
        // A signal that came while storing (synchronous) is still queued in
        // the event loop: let it through before asking, since disposing the
        // latch unheard would drop it, and with no wait left (a capture
        // slower than the interval) the series would go on. libuv reads
        // signals in its poll phase; two immediates straddle one.
        for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
        const wait = started + every - Date.now();
        if (latch.fired() || (wait > 0 && (await latch.wait(wait)))) {
          io.err(`interrupted; the series ends after ${counted(stored, 'capture')}`);
          break;
        }
      } finally {
        latch.dispose();
      }
    }
  } finally {
    store.close();
  }
  return 0;
}

export default defineCommand({
  name: 'capture',
  usage:
    'ckpt capture (--pid PID[,PID...] [--tree] | --all | [--cgroup PATH] [--ns TYPE:PID] [--user USER[,...]] [--comm NAME[,...]]) [--freeze] -o FILE\n       ckpt capture (--pid ... | --all | --cgroup/--ns/--user/--comm ...) --store [--every DURATION [--count N]] [--label TEXT] [--tag TAG]...\n       ckpt capture --sim SCENARIO [--seed N] [--step K] [--time ISO] [--processes N --fds M] (-o FILE | --store)',
  options: [
    { name: 'pid', type: 'list', value: 'PID[,PID...]', help: 'capture these processes from /proc (repeatable)' },
    { name: 'tree', type: 'flag', help: 'with --pid: also every descendant of those processes' },
    { name: 'all', type: 'flag', help: 'capture every process this user can see' },
    {
      name: 'cgroup',
      type: 'string',
      value: 'PATH',
      help: 'capture every process in this cgroup or below it, as /proc/PID/cgroup names it (a container, a systemd unit)',
    },
    {
      name: 'ns',
      type: 'string',
      value: 'TYPE:PID',
      help: `capture every process in the TYPE namespace of PID (${NS_TYPES.join(', ')}): pid:PID for a container's processes`,
    },
    {
      name: 'user',
      type: 'list',
      value: 'USER[,USER...]',
      help: 'capture every process whose real uid is one of these (names from /etc/passwd, or uids), as lsof -u (repeatable)',
    },
    {
      name: 'comm',
      type: 'list',
      value: 'NAME[,NAME...]',
      help: 'capture every process whose comm is NAME (its bytes), or starts with NAME for NAME*, as lsof -c / pgrep -x (repeatable; \\, \\* and \\\\ for a comma, star or backslash in a name)',
    },
    { name: 'freeze', type: 'flag', help: 'stop the processes (SIGSTOP) for a consistent cut; always resumed (docs/capture.md)' },
    { name: 'sim', type: 'string', value: 'SCENARIO', help: 'simulate a scenario instead of reading /proc' },
    { name: 'seed', type: 'int', value: 'N', help: 'simulation seed (default 1): same scenario and seed, same image' },
    { name: 'step', type: 'int', value: 'K', help: 'step of a series (leaky, leaky-host)' },
    { name: 'processes', type: 'int', value: 'N', help: 'processes in the large scenario (default 100)' },
    { name: 'fds', type: 'int', value: 'M', help: 'fds per process in the large scenario (default 100)' },
    { name: 'time', type: 'string', value: 'ISO', help: 'capture time to record (simulations; default now)' },
    { name: 'output', short: 'o', type: 'string', value: 'FILE', help: 'image file to write ("-" for stdout)' },
    { name: 'store', type: 'flag', help: 'import the capture straight into the library (prints its id; -o is then optional)' },
    { name: 'label', type: 'string', value: 'TEXT', help: 'with --store: label for the stored image' },
    { name: 'tag', type: 'list', value: 'TAG', help: 'with --store: tag for the stored image (repeatable)' },
    {
      name: 'every',
      type: 'string',
      value: 'DURATION',
      help: 'with --store: capture again every DURATION (500ms, 5s, 2m; plain numbers are seconds) until interrupted',
    },
    { name: 'count', type: 'int', value: 'N', help: 'with --every: stop after N captures' },
    {
      name: 'timeout',
      type: 'string',
      value: 'DURATION',
      help: 'give up on a process whose reading hangs longer (a dead NFS server, a stopped FUSE daemon); default 15s, 0 waits forever',
    },
  ],
  // The simulator is loaded for --sim and help only: a live capture does not compile it.
  details: async () => {
    const { SCENARIOS } = await import('../../sim/index.js');
    return `Scenarios:\n${SCENARIOS.map((s) => `  ${s.name.padEnd(12)} ${s.description}`).join('\n')}`;
  },
  async run({ opts }, io) {
    const out = opts.output as string | undefined;
    if (!out && !opts.store) throw new UsageError('-o FILE or --store is required');
    // An image file has no label or tags (only a library entry does): dropped
    // silently, a later `timeline --label` would find nothing.
    for (const o of ['label', 'tag'] as const)
      if (opts[o] !== undefined && !opts.store)
        throw new UsageError(
          `--${o} names the image stored in the library: add --store (an image file keeps none; ckpt import --${o} sets it later)`,
        );
    const bySelector = opts.cgroup !== undefined || opts.ns !== undefined || opts.user !== undefined || opts.comm !== undefined;
    const live = opts.pid !== undefined || opts.all === true || bySelector;
    if (!opts.sim && !live)
      throw new UsageError(
        'say what to capture: --pid PID[,PID...], --all, --cgroup PATH, --ns TYPE:PID, --user USER, --comm NAME or --sim SCENARIO',
      );
    if (opts.sim && live) throw new UsageError('--sim cannot be combined with --pid, --all, --cgroup, --ns, --user or --comm');
    if (opts.pid !== undefined && opts.all) throw new UsageError('--pid and --all exclude each other');
    if (bySelector && (opts.pid !== undefined || opts.all))
      throw new UsageError('--cgroup, --ns, --user and --comm select processes themselves: not with --pid or --all');
    if ((opts.tree || opts.freeze) && !live)
      throw new UsageError('--tree and --freeze apply to live captures (--pid, --all, --cgroup, --ns, --user, --comm)');
    if (opts.tree && !opts.pid) throw new UsageError('--tree needs --pid');
    if (opts.cgroup !== undefined && !String(opts.cgroup).startsWith('/'))
      throw new UsageError(`--cgroup: a path as /proc/PID/cgroup shows it, starting with /: "${String(opts.cgroup)}"`);
    let ns: ProcCaptureOptions['ns'];
    if (opts.ns !== undefined) {
      const m = /^([a-z]+):(\d+)$/.exec(String(opts.ns));
      if (!m || !(NS_TYPES as readonly string[]).includes(m[1]!) || Number(m[2]) < 1 || Number(m[2]) > 0x3fffffff)
        throw new UsageError(`--ns: TYPE:PID with TYPE one of ${NS_TYPES.join(', ')}, got "${String(opts.ns)}"`);
      ns = { type: m[1] as NsType, of: Number(m[2]) };
    }
    const selector = {
      all: opts.all === true,
      ...(opts.cgroup !== undefined ? { cgroup: String(opts.cgroup) } : {}),
      ...(ns ? { ns } : {}),
      ...(opts.user !== undefined ? { users: parseUsers(opts.user as string[]) } : {}),
      ...(opts.comm !== undefined ? { comms: parseComms(opts.comm as string[]) } : {}),
    };
    const pids: number[] = [];
    for (const word of (opts.pid as string[] | undefined) ?? [])
      for (const p of word.split(',')) {
        if (!/^\d+$/.test(p.trim()) || Number(p) < 1 || Number(p) > 0x3fffffff) throw new UsageError(`--pid: not a process id: "${p}"`);
        pids.push(Number(p));
      }
    const every = opts.every !== undefined ? parseDuration('every', opts.every as string) : undefined;
    const timeoutMs = opts.timeout === undefined ? undefined : opts.timeout === '0' ? 0 : parseDuration('timeout', opts.timeout as string);
    if (timeoutMs !== undefined && !live)
      throw new UsageError('--timeout applies to live captures (--pid, --all, --cgroup, --ns, --user, --comm)');
    if (opts.count !== undefined && every === undefined) throw new UsageError('--count needs --every');
    if (every !== undefined) {
      if (!live) throw new UsageError('--every repeats live captures (--pid, --all, --cgroup, --ns, --user, --comm)');
      if (!opts.store) throw new UsageError('--every stores each capture in the library: add --store');
      if (out) throw new UsageError('--every stores each capture in the library; -o is not allowed (ckpt export writes files later)');
      if (opts.count !== undefined && (opts.count as number) < 1) throw new UsageError('--count: must be at least 1');
      return captureSeries({ pids, tree: opts.tree === true, ...selector, freeze: opts.freeze === true, timeoutMs }, every, opts, io);
    }
    let time: number | undefined;
    if (opts.time !== undefined) {
      time = Date.parse(opts.time as string);
      if (Number.isNaN(time) || time < 0) throw new UsageError(`--time: not a date: "${String(opts.time)}"`);
    }
    let snap: Snapshot;
    if (live) {
      const { captureProc, missingPids } = await import('../../sources/proc/index.js');
      snap = await captureProc({ pids, tree: opts.tree === true, ...selector, freeze: opts.freeze === true, timeoutMs });
      const missing = missingPids(snap);
      if (missing.length) io.err(`note: no such process: ${missing.join(', ')} (an error record each in the image)`);
    } else
      snap = (await import('../../sim/index.js')).simulate({
        scenario: opts.sim as string,
        seed: opts.seed as number | undefined,
        step: opts.step as number | undefined,
        processes: opts.processes as number | undefined,
        fds: opts.fds as number | undefined,
        time,
      });
    // Loaded only when asked for: a plain capture never opens SQLite.
    if (opts.store) (await import('./library-util.js')).storeCapture(snap, opts, io);
    if (!out) return 0;
    const result = out === '-' ? writeSnapshot(snap, (c) => io.outBytes(c)) : writeFileAtomic(out, (write) => writeSnapshot(snap, write));
    // Only what reached the reader was captured into stdout.
    if (out === '-' && !(await payloadDelivered(io, 'capture', 'image'))) return 1;
    if (process.env.CKPT_CAPTURE_TIMING)
      io.err(
        `image written at ${performance.now().toFixed(1)} ms, rss ${Math.round(process.memoryUsage.rss() / 2 ** 20)} MB${mainThreadCpu()}`,
      );
    const nfds = snap.fdTables.reduce((n, t) => n + t.fds.length, 0);
    if (live && snap.errors.length) io.err(`${snap.errors.length} capture error(s) recorded in the image (ckpt show lists them)`);
    if (live) {
      // Processes whose fds could not be read at all: said apart from the
      // list of errors, since the image otherwise reads as if they held none.
      const refused = snap.errors.filter((e) => (e.errno === 'EACCES' || e.errno === 'EPERM') && keptTableOut(e));
      const pids = [...new Set(refused.map((e) => e.pid))];
      if (pids.length) {
        io.err(
          `note: the fds of ${pids.length === 1 ? `process ${pids[0]}` : counted(pids.length, 'process')} could not be read (${refused[0]!.errno}: ${refusedWhy()})`,
        );
      }
    }
    if (live && snap.header.options.reader === 'js' && process.env.CKPT_CAPTURE_READER !== 'js') {
      const { readerStatus } = await import('../../sources/proc/procfd-reader.js');
      io.err(`note: read with the slower JavaScript reader: ${readerStatus().why ?? 'native reader unavailable'}`);
    }
    io.err(
      `captured ${contentsText(snap.tasks.length, nfds, snap.files.length)} into ${out === '-' ? 'stdout' : displayBStr(out)} (${result.bytes} bytes)`,
    );
    return 0;
  },
});

/**
 * The main thread's own time on a CPU and waiting for one, from the
 * scheduler's figures (ns): the capture's bound, which process-wide CPU
 * time and wall time blur (readers and compiler threads run beside it).
 */
function mainThreadCpu(): string {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ').map(Number);
    return `, main thread ${(run! / 1e6).toFixed(1)} ms on a CPU, ${(wait! / 1e6).toFixed(1)} ms waiting for one`;
  } catch {
    return '';
  }
}
