/** Runs the real `ckpt` (bin/ckpt.mjs) in a child process. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const CKPT = join(ROOT, 'bin', 'ckpt.mjs');

export interface Run {
  code: number;
  out: string;
  err: string;
  stdout: Buffer;
}

/** Tests never touch the user's real library: every run gets this empty home unless told otherwise. */
const isolatedHome = mkdtempSync(join(tmpdir(), 'ckpt-cli-home-'));

export function ckpt(args: string[], opts: { env?: Record<string, string>; input?: Buffer; cwd?: string } = {}): Run {
  const r = spawnSync(process.execPath, [CKPT, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, CKPT_HOME: isolatedHome, ...opts.env },
    input: opts.input,
    maxBuffer: 256 << 20,
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8'), stdout: r.stdout };
}

/** `ckpt capture` of the leaky simulation at `step`, an hour after 10:00 per step, stored with label leaky: a series for timeline tests. */
export function leakyStepArgs(step: number): string[] {
  return ['capture', '--sim', 'leaky', '--step', String(step), '--time', `2026-11-20T1${step}:00:00Z`, '--store', '--label', 'leaky'];
}
