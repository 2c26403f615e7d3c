/**
 * Issue 3's target: `ckpt capture --all -o FILE` at least 2x faster than
 * `lsof -n -P -w` end to end, on a fixture of 100 processes holding 300 fds
 * each (files, pipes, sockets mixed), while capturing fdinfo detail and
 * kcmp-proven sharing that lsof lacks. Runs alternate (ckpt, lsof, ckpt,
 * ...) so background load hits both alike; the ratio of medians is reported.
 * Then, for information only, the same on ten times the fds (atScale).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { captureProc } from '../src-main/sources/proc/index.js';
import { encodeSnapshot } from '../src-main/engine/writer.js';
import { readImageFile } from '../src-main/engine/reader.js';
import { median, type BenchModule } from './harness.js';

const ROOT = join(import.meta.dirname, '..');

/** CPU ms (user + sys) of this process's waited-for children so far, from /proc/self/stat (10 ms ticks). */
function childCpuMs(): number {
  const s = readFileSync('/proc/self/stat', 'latin1');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * 10; // cutime, cstime at USER_HZ 100
}

const cpu = new Map<string, number[]>();

/**
 * Wall time of one run, until its process has exited. Then a pause of
 * 100 ms before the next, whatever it is: a capture leaves the teardown of
 * its memory to a child of its own that outlives it (src-native/exit-early.c,
 * ~30 ms of CPU), which must not land on the next run, lsof's or ckpt's.
 */
function wall(cmd: string, args: string[], env?: NodeJS.ProcessEnv, name = cmd.endsWith('lsof') ? 'lsof' : 'ckpt'): number {
  const c0 = childCpuMs();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: 'ignore', env: env ?? process.env });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 && !(cmd.endsWith('lsof') && r.status === 1))
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}`);
  cpu.set(name, [...(cpu.get(name) ?? []), childCpuMs() - c0]);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  return ms;
}

const bench: BenchModule = {
  name: 'capture',
  async run(ctx) {
    const [nproc, nfds] = ctx.quick ? [30, 300] : [100, 300];
    const runs = ctx.quick ? 3 : 9;
    const bin = join(ctx.tmp, 'many');
    execFileSync('cc', ['-O2', '-o', bin, join(ROOT, 'test', 'fixtures', 'proc', 'many.c')]);
    const floor = join(ctx.tmp, 'fd-floor');
    execFileSync('cc', ['-O2', '-pthread', '-o', floor, join(ROOT, 'bench', 'fd-floor.c')]);
    const files = join(ctx.tmp, 'files');
    mkdirSync(files);
    const fx = await startFixture(bin, nproc, nfds, files);
    try {
      const lsof = findLsof();
      // What a user runs: the `ckpt` executable (bin/ckpt.mjs, started
      // through its #! line, as npm links it), which loads the bundle. Run
      // once first so a stale bundle or addon is rebuilt outside the timing.
      const ckpt = join(ROOT, 'bin', 'ckpt.mjs');
      execFileSync(ckpt, ['--version']);
      const img = join(ctx.tmp, 'all.ckpt');
      const capture = () => wall(ckpt, ['capture', '--all', '-o', img]);
      // Warm up: fills the dentry cache for both.
      capture();
      const info = execFileSync(ckpt, ['verify', img], { encoding: 'utf8' }).trim();
      ctx.log(`fixture: ${nproc} processes x ${nfds} fds; machine-wide image: ${info.replace(/, sha256.*/, '')}`);
      const reader = readImageFile(img).header.options.reader;
      ctx.log(`reader: ${reader ?? 'unknown'}${reader === 'js' ? ' (the native addon was not built: see npm install output)' : ''}`);
      if (lsof) wall(lsof, ['-n', '-P', '-w']);
      cpu.clear();
      const ck: number[] = [];
      const ls: number[] = [];
      const fl1: number[] = [];
      const fl2: number[] = [];
      const ownExit: number[] = [];
      const floorMs = (threads: number) => Number(/([\d.]+) ms/.exec(execFileSync(floor, [String(threads)], { encoding: 'utf8' }))![1]);
      for (let i = 0; i < runs; i++) {
        ck.push(capture());
        if (lsof) ls.push(wall(lsof, ['-n', '-P', '-w']));
        fl1.push(floorMs(1));
        fl2.push(floorMs(2));
        ownExit.push(wall(ckpt, ['capture', '--all', '-o', img], { ...process.env, CKPT_EXIT_EARLY: '0' }, 'ckpt-own-exit'));
      }
      // The ratio moves with machine load: ckpt reads on a thread per core
      // and spends more user time than lsof, so a busy machine hurts it more.
      ctx.log(
        `load average after the runs: ${loadavg()
          .map((x) => x.toFixed(2))
          .join(' ')}`,
      );
      ctx.log(`ckpt capture --all ms: ${ck.map((x) => x.toFixed(0)).join(', ')}`);
      // How ckpt read the fds (its BPF snapshot, or /proc and why): one more run, untimed, that says.
      const said = spawnSync(ckpt, ['capture', '--all', '-o', img], {
        env: { ...process.env, CKPT_CAPTURE_TIMING: '1' },
        encoding: 'utf8',
      });
      ctx.log(`ckpt ${/^reader: .*$/m.exec(said.stderr ?? '')?.[0] ?? 'reader: (not said)'}`);
      ctx.log(`ckpt ${/^code cache of .*$/m.exec(said.stderr ?? '')?.[0] ?? 'code cache: (not said)'}`);
      ctx.record({ name: 'ckpt capture --all -o FILE (median)', value: median(ck), unit: 'ms' });
      // For information: the same capture with node's own exit, its
      // teardown in the caller's wait (CKPT_EXIT_EARLY=0).
      ctx.log(`ckpt with node's own exit (CKPT_EXIT_EARLY=0) ms: ${ownExit.map((x) => x.toFixed(0)).join(', ')}`);
      ctx.record({ name: "ckpt with node's own exit (median, informative)", value: median(ownExit), unit: 'ms' });
      if (!lsof) {
        ctx.log('lsof is not installed: no ratio');
        return;
      }
      ctx.log(`lsof -n -P -w ms:       ${ls.map((x) => x.toFixed(0)).join(', ')}`);
      ctx.record({ name: 'lsof -n -P -w (median)', value: median(ls), unit: 'ms' });
      const ratio = median(ls) / median(ck);
      ctx.record({ name: 'speed vs lsof (lsof median / ckpt median)', value: ratio, unit: 'x', target: '>= 2', met: ratio >= 2 });
      ctx.record({ name: "speed vs lsof with node's own exit (informative)", value: median(ls) / median(ownExit), unit: 'x' });
      // Both cores are busy for most of a capture: CPU time is what bounds it.
      // (Not the teardown a capture leaves to its child: not this process's to wait for. With node's own exit, it is in.)
      ctx.record({ name: 'ckpt CPU per run, user+sys (median)', value: median(cpu.get('ckpt') ?? [0]), unit: 'ms' });
      ctx.record({ name: "ckpt CPU per run with node's own exit (median)", value: median(cpu.get('ckpt-own-exit') ?? [0]), unit: 'ms' });
      ctx.record({ name: 'lsof CPU per run, user+sys (median)', value: median(cpu.get('lsof') ?? [0]), unit: 'ms' });
      // The yardstick issue 3 names: only the syscalls per fd, in C, inside
      // the timed loop (no process start). What ckpt adds is start-up, the
      // per-fd work in JavaScript, sharing, encoding and the write. With its
      // BPF snapshot ckpt reads below this floor (no fdinfo or readlink per fd
      // for most kinds, docs/capture.md).
      ctx.log(
        `kernel floor (bench/fd-floor.c) ms, 1 thread: ${fl1.map((x) => x.toFixed(0)).join(', ')}; 2 threads: ${fl2.map((x) => x.toFixed(0)).join(', ')}`,
      );
      ctx.record({ name: 'kernel floor, 1 thread, vs lsof (informative)', value: median(fl1) / median(ls), unit: 'x of lsof' });
      ctx.record({ name: 'kernel floor, 2 threads (median)', value: median(fl2), unit: 'ms' });

      // The app captures in its long-lived main process: no start-up, warm
      // JIT. Same fixture, same alternation, capture and encode in memory.
      await captureProc({ all: true });
      const warm: number[] = [];
      const ls2: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        encodeSnapshot(await captureProc({ all: true }));
        warm.push(performance.now() - t0);
        ls2.push(wall(lsof, ['-n', '-P', '-w']));
      }
      ctx.log(
        `in-process capture+encode ms: ${warm.map((x) => x.toFixed(0)).join(', ')}; lsof ms: ${ls2.map((x) => x.toFixed(0)).join(', ')}`,
      );
      ctx.record({ name: 'in-process capture+encode, warm (median)', value: median(warm), unit: 'ms' });
      ctx.record({ name: 'in-process speed vs lsof (informative)', value: median(ls2) / median(warm), unit: 'x' });
    } finally {
      await stopFixture(fx);
    }
    if (ctx.quick) return;
    await atScale(ctx, bin, files, join(ctx.tmp, 'big.ckpt'), runs);
  },
};

async function startFixture(bin: string, nproc: number, nfds: number, files: string): Promise<ChildProcess> {
  const fx = spawn(bin, [String(nproc), String(nfds), files], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    fx.stdout!.once('data', () => resolve());
    fx.once('exit', (c) => reject(new Error(`fixture exited ${c}`)));
  });
  return fx;
}

async function stopFixture(fx: ChildProcess): Promise<void> {
  if (fx.exitCode !== null || fx.signalCode !== null) return;
  const gone = new Promise((resolve) => fx.once('exit', resolve));
  fx.stdin?.end();
  fx.kill('SIGTERM');
  await gone;
}

/**
 * Informative, not the target: the same comparison on ten times the fds
 * (100 processes x 3,000, about 300,000), where a busy server's "too many
 * open files" lives. ckpt's fixed costs (Node's start-up, loading its code)
 * weigh less there, and lsof's per-fd time grows. Fewer runs: lsof takes
 * seconds each.
 */
async function atScale(ctx: Parameters<BenchModule['run']>[0], bin: string, files: string, img: string, runs: number): Promise<void> {
  const lsof = findLsof();
  if (!lsof) return;
  const fx = await startFixture(bin, 100, 3000, files);
  try {
    const ckpt = join(ROOT, 'bin', 'ckpt.mjs');
    wall(ckpt, ['capture', '--all', '-o', img]); // warm the dentry cache
    const n = Math.max(3, Math.ceil(runs / 2));
    const ck: number[] = [];
    const ls: number[] = [];
    for (let i = 0; i < n; i++) {
      ck.push(wall(ckpt, ['capture', '--all', '-o', img]));
      ls.push(wall(lsof, ['-n', '-P', '-w']));
    }
    const fds = /(\d+) fds/.exec(execFileSync(ckpt, ['verify', img], { encoding: 'utf8' }))?.[1] ?? '?';
    ctx.log(
      `at scale (100 x 3000 fds, ${fds} fds in the image): ckpt ms ${ck.map((x) => x.toFixed(0)).join(', ')}; lsof ms ${ls.map((x) => x.toFixed(0)).join(', ')}`,
    );
    ctx.record({ name: 'at 10x the fds: ckpt capture --all (median)', value: median(ck), unit: 'ms' });
    ctx.record({ name: 'at 10x the fds: lsof -n -P -w (median)', value: median(ls), unit: 'ms' });
    ctx.record({ name: 'at 10x the fds: speed vs lsof (informative)', value: median(ls) / median(ck), unit: 'x' });
  } finally {
    await stopFixture(fx);
  }
}

function findLsof(): string | undefined {
  return ['/usr/bin/lsof', '/usr/sbin/lsof', '/bin/lsof'].find((p) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  });
}

export default bench;
