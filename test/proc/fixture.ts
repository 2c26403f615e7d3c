/**
 * Starts the C fixtures of test/fixtures/proc: compiled at test time with the
 * machine's cc into a temp dir, run with a pipe on stdin (closing it ends
 * them), and their JSON report of what they opened parsed for the asserts.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
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
