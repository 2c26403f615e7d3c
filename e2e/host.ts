/**
 * Starts the real browser host as `ckpt serve` does, on a fresh library in a
 * temporary CKPT_HOME, and stops it afterwards: the e2e tests talk to exactly
 * what a user runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunningHost {
  url: string;
  origin: string;
  port: number;
  token: string;
  home: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

export const chromiumPath = process.env.CKPT_CHROMIUM ?? '/usr/bin/chromium';
export const haveChromium = existsSync(chromiumPath);

export async function startHost(home = mkdtempSync(join(tmpdir(), 'ckpt-e2e-')), keepHome = false): Promise<RunningHost> {
  const proc = spawn(process.execPath, ['bin/ckpt.mjs', 'serve', '--port', '0'], {
    env: { ...process.env, CKPT_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errText = '';
  proc.stderr!.on('data', (d: Buffer) => (errText += d.toString()));
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`ckpt serve did not print its URL within 30 s: ${errText}`)), 30_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1]!);
      }
    });
    proc.once('exit', (code) => fail(new Error(`ckpt serve exited with ${code}: ${errText}`)));
  });
  const u = new URL(url);
  return {
    url,
    origin: u.origin,
    port: Number(u.port),
    token: u.searchParams.get('token')!,
    home,
    proc,
    stop: async () => {
      if (proc.exitCode === null) {
        const gone = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await gone;
      }
      if (!keepHome) rmSync(home, { recursive: true, force: true });
    },
  };
}
