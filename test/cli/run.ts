/** Runs the real `ckpt` (bin/ckpt.mjs) in a child process. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const CKPT = join(ROOT, 'bin', 'ckpt.mjs');
/** The CLI bundle itself, without the launcher (which an unprivileged user may not rebuild). */
export const BUNDLE = join(ROOT, 'out', 'cli', 'ckpt.mjs');

export interface Run {
  code: number;
  out: string;
  err: string;
  stdout: Buffer;
  pid: number;
}

export interface RunOptions {
  env?: Record<string, string>;
  input?: Buffer;
  cwd?: string;
  /** Run as this user and group. */
  uid?: number;
  gid?: number;
  /** Run the bundle, not the launcher. */
  bundle?: boolean;
  /** A command to run it under (setpriv ...). */
  wrap?: string[];
}

/** Tests never touch the user's real library: every run gets this empty home unless told otherwise. */
const isolatedHome = mkdtempSync(join(tmpdir(), 'ckpt-cli-home-'));

export function ckpt(args: string[], opts: RunOptions = {}): Run {
  const cmd = [...(opts.wrap ?? []), process.execPath, opts.bundle ? BUNDLE : CKPT, ...args];
  const r = spawnSync(cmd[0]!, cmd.slice(1), {
    cwd: opts.cwd,
    env: { ...process.env, CKPT_HOME: isolatedHome, ...opts.env },
    input: opts.input,
    uid: opts.uid,
    gid: opts.gid,
    maxBuffer: 256 << 20,
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8'), stdout: r.stdout, pid: r.pid };
}

/** `ckpt capture` of the leaky simulation at `step`, an hour after 10:00 per step, stored with label leaky: a series for timeline tests. */
export function leakyStepArgs(step: number): string[] {
  return ['capture', '--sim', 'leaky', '--step', String(step), '--time', `2026-11-20T1${step}:00:00Z`, '--store', '--label', 'leaky'];
}
