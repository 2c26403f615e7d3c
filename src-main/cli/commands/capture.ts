import { defineCommand } from '../command.js';
import { UsageError } from '../args.js';
import { writeSnapshot } from '../../engine/writer.js';
import { writeFileAtomic } from '../../util/atomic-file.js';

export default defineCommand({
  name: 'capture',
  usage:
    'ckpt capture (--pid PID[,PID...] [--tree] | --all) [--freeze] -o FILE\n       ckpt capture --sim SCENARIO [--seed N] [--step K] [--processes N --fds M] -o FILE',
  options: [
    { name: 'pid', type: 'list', value: 'PID[,PID...]', help: 'capture these processes from /proc (repeatable)' },
    { name: 'tree', type: 'flag', help: 'with --pid: also every descendant of those processes' },
    { name: 'all', type: 'flag', help: 'capture every process this user can see' },
    { name: 'freeze', type: 'flag', help: 'stop the processes (SIGSTOP) for a consistent cut; always resumed (docs/capture.md)' },
    { name: 'sim', type: 'string', value: 'SCENARIO', help: 'simulate a scenario instead of reading /proc' },
    { name: 'seed', type: 'int', value: 'N', help: 'simulation seed (default 1): same scenario and seed, same image' },
    { name: 'step', type: 'int', value: 'K', help: 'step of a series (leaky)' },
    { name: 'processes', type: 'int', value: 'N', help: 'processes in the large scenario (default 100)' },
    { name: 'fds', type: 'int', value: 'M', help: 'fds per process in the large scenario (default 100)' },
    { name: 'time', type: 'string', value: 'ISO', help: 'capture time to record (simulations; default now)' },
    { name: 'output', short: 'o', type: 'string', value: 'FILE', help: 'image file to write ("-" for stdout)' },
    { name: 'store', type: 'flag', help: 'import the capture straight into the library (prints its id; -o is then optional)' },
    { name: 'label', type: 'string', value: 'TEXT', help: 'with --store: label for the stored image' },
    { name: 'tag', type: 'list', value: 'TAG', help: 'with --store: tag for the stored image (repeatable)' },
  ],
  // The simulator is loaded for --sim and help only: a live capture does not compile it.
  details: async () => {
    const { SCENARIOS } = await import('../../sim/index.js');
    return `Scenarios:\n${SCENARIOS.map((s) => `  ${s.name.padEnd(12)} ${s.description}`).join('\n')}`;
  },
  async run({ opts }, io) {
    const out = opts.output as string | undefined;
    if (!out && !opts.store) throw new UsageError('-o FILE or --store is required');
    const live = opts.pid !== undefined || opts.all === true;
    if (!opts.sim && !live) throw new UsageError('say what to capture: --pid PID[,PID...], --all or --sim SCENARIO');
    if (opts.sim && live) throw new UsageError('--sim cannot be combined with --pid or --all');
    if (opts.pid !== undefined && opts.all) throw new UsageError('--pid and --all exclude each other');
    if ((opts.tree || opts.freeze) && !live) throw new UsageError('--tree and --freeze apply to live captures (--pid, --all)');
    if (opts.tree && !opts.pid) throw new UsageError('--tree needs --pid');
    const pids: number[] = [];
    for (const word of (opts.pid as string[] | undefined) ?? [])
      for (const p of word.split(',')) {
        if (!/^\d+$/.test(p.trim()) || Number(p) < 1 || Number(p) > 0x3fffffff) throw new UsageError(`--pid: not a process id: "${p}"`);
        pids.push(Number(p));
      }
    let time: number | undefined;
    if (opts.time !== undefined) {
      time = Date.parse(opts.time as string);
      if (Number.isNaN(time) || time < 0) throw new UsageError(`--time: not a date: "${String(opts.time)}"`);
    }
    const snap = live
      ? await (
          await import('../../sources/proc/index.js')
        ).captureProc({ pids, tree: opts.tree === true, all: opts.all === true, freeze: opts.freeze === true })
      : (await import('../../sim/index.js')).simulate({
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
    if (process.env.CKPT_CAPTURE_TIMING) io.err(`image written at ${performance.now().toFixed(1)} ms`);
    const nfds = snap.fdTables.reduce((n, t) => n + t.fds.length, 0);
    if (live && snap.errors.length) io.err(`${snap.errors.length} capture error(s) recorded in the image (ckpt show lists them)`);
    if (live && snap.header.options.reader === 'js' && process.env.CKPT_CAPTURE_READER !== 'js') {
      const { readerStatus } = await import('../../sources/proc/procfd-reader.js');
      io.err(`note: read with the slower JavaScript reader: ${readerStatus().why ?? 'native reader unavailable'}`);
    }
    io.err(
      `captured ${snap.tasks.length} tasks, ${nfds} fds, ${snap.files.length} open files into ${out === '-' ? 'stdout' : out} (${result.bytes} bytes)`,
    );
    return 0;
  },
});
