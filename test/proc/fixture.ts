/**
 * Starts the C fixtures of test/fixtures/proc: compiled at test time with the
 * machine's cc into a temp dir, run with a pipe on stdin (closing it ends
 * them), and their JSON report of what they opened parsed for the asserts.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  constants,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Also loaded outside vitest (hang-child.ts under tsx), where ESM has no __dirname.
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SRC = join(ROOT, 'test', 'fixtures', 'proc');

const built = new Map<string, string>();
let buildDir: string | undefined;

export function compile(name: string): string {
  const hit = built.get(name);
  if (hit) return hit;
  if (!buildDir) {
    buildDir = mkdtempSync(join(tmpdir(), 'ckpt-proc-fixture-'));
    chmodSync(buildDir, 0o755); // fixtures also run as an unprivileged user
  }
  const out = join(buildDir, name);
  execFileSync('cc', ['-O1', '-Wall', '-pthread', '-o', out, join(SRC, `${name}.c`)], { stdio: 'pipe' });
  built.set(name, out);
  return out;
}

export interface Running {
  proc: ChildProcess;
  pid: number;
  /** First line the fixture printed. */
  line: string;
  stop(): Promise<void>;
}

export async function start(name: string, args: string[], as?: { uid: number; gid: number }): Promise<Running> {
  const bin = compile(name);
  const proc = spawn(bin, args, { stdio: ['pipe', 'pipe', 'inherit'], uid: as?.uid, gid: as?.gid });
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    proc.stdout!.on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(buf.slice(0, nl));
    });
    proc.once('exit', (code) => reject(new Error(`fixture ${name} exited (${code}) before reporting`)));
    proc.once('error', reject);
  });
  return {
    proc,
    pid: proc.pid!,
    line,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.stdin!.end();
        setTimeout(() => proc.kill('SIGKILL'), 3000).unref();
      }),
  };
}

/**
 * The `named` fixture (named.c): a process whose comm is `comm`, any bytes
 * (handed over in hex), set up as `mode` says when given.
 */
export function startNamed(
  comm: string | Buffer,
  mode?: 'zombie' | 'leader-exits' | 'unshared',
  as?: { uid: number; gid: number },
): Promise<Running> {
  return start('named', [Buffer.from(comm).toString('hex'), ...(mode ? [mode] : [])], as);
}

/** Process state letter from /proc/PID/stat ("R", "S", "T" ...), or null when gone. */
export function procState(pid: number): string | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return s.charAt(s.lastIndexOf(')') + 2);
  } catch {
    return null;
  }
}

export function cleanupBuilds(): void {
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
  buildDir = undefined;
  built.clear();
}

/**
 * A fake /proc at `root`: each pid holds fd 3 on /dev/null. Where `hangs`
 * says so, its fdinfo/3 is a FIFO nobody writes, so opening it blocks as a
 * statx on a dead NFS server would (releaseFifo lets it go).
 */
export function fakeProc(root: string, pidList: number[], hangs: (pid: number) => boolean = () => false): string {
  for (const pid of pidList) {
    const b = join(root, String(pid));
    for (const d of ['fd', 'fdinfo', 'ns', `task/${pid}`]) mkdirSync(join(b, d), { recursive: true });
    writeFileSync(join(b, 'stat'), `${pid} (fake) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0\n`);
    writeFileSync(join(b, 'status'), `Name:\tfake\nTgid:\t${pid}\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n`);
    writeFileSync(join(b, 'cmdline'), 'fake\0');
    symlinkSync('/', join(b, 'cwd'));
    symlinkSync('/', join(b, 'root'));
    symlinkSync('/dev/null', join(b, 'fd', '3'));
    if (hangs(pid)) {
      if (spawnSync('mkfifo', [join(b, 'fdinfo', '3')]).status !== 0) throw new Error('mkfifo failed');
    } else writeFileSync(join(b, 'fdinfo', '3'), 'pos:\t0\nflags:\t02\nmnt_id:\t1\n');
  }
  return root;
}

/** Opens the FIFO at `path` for writing, which lets a reader blocked opening it go; false when no reader was blocked on it. */
export function releaseFifo(path: string): boolean {
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs test/proc/SCRIPT ARGS under tsx, a capture one of whose reads hangs
 * on the FIFO `hang`: it must end by itself within `ms`. Then the FIFO is
 * released, so a child that did wait for it ends too. code -1: it was still
 * running at `ms`; out and err are all it wrote.
 */
export async function runHangChild(
  script: string,
  args: string[],
  hang: string,
  ms: number,
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'proc', script), ...args], { cwd: ROOT });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  // 'close', not 'exit': its output is all in by then.
  const ended = new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([ended, new Promise<number>((resolve) => (timer = setTimeout(() => resolve(-1), ms)))]);
  clearTimeout(timer);
  releaseFifo(hang);
  await ended;
  return { code, out, err };
}

/** The first line a fixture process prints, as JSON (the facts it reports once ready); rejects if it exits first. */
export function firstJsonLine<T>(proc: ChildProcess, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    let buf = '';
    proc.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      if (buf.includes('\n')) resolve(JSON.parse(buf.slice(0, buf.indexOf('\n'))) as T);
    });
    proc.once('exit', (c) => reject(new Error(`${what} exited ${c}`)));
  });
}
