/**
 * A process in a pid namespace of its own (a container's), captured live:
 * the image records its pid as the container sees it (NSpid), and show
 * prints it beside the host's, so a pid from the container's logs can be
 * found. Needs root (unshare --pid); skipped otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImageFile } from '../../src-main/engine/reader.js';
import { ckpt } from '../cli/run.js';

const root = process.geteuid?.() === 0;
let dir: string;
let unshare: ChildProcess | undefined;
/** The container's first process (pid 1 inside) and its child (pid 2 inside), by their host pids. */
let init = 0;
let child = 0;

const childrenOf = (pid: number) => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ckpt-pidns-'));
  if (!root) return;
  unshare = spawn('unshare', ['--pid', '--fork', '/bin/sh', '-c', 'sleep 120 & wait'], { stdio: 'ignore' });
  for (let i = 0; i < 200 && !child; i++) {
    await new Promise((r) => setTimeout(r, 10));
    try {
      init = childrenOf(unshare.pid!)[0] ?? 0;
      child = init ? (childrenOf(init)[0] ?? 0) : 0;
    } catch {
      /* not yet */
    }
  }
});
afterAll(() => {
  if (init) process.kill(init, 'SIGKILL'); // pid 1 of the namespace: the kernel ends the rest with it
  unshare?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!root)('a process in its own pid namespace', () => {
  it('is recorded with its pid inside, and show prints it', () => {
    expect(child).toBeGreaterThan(0);
    const img = join(dir, 'box.ckpt');
    const r = ckpt(['capture', '--ns', `pid:${init}`, '-o', img]);
    expect(r.code, r.err).toBe(0);
    const s = readImageFile(img);
    const byPid = new Map(s.tasks.map((t) => [t.pid, t]));
    expect([...byPid.keys()].sort((a, b) => a - b)).toEqual([init, child].sort((a, b) => a - b));
    expect(byPid.get(init)!.nsPids).toEqual([init, 1]);
    expect(byPid.get(child)!.nsPids).toEqual([child, 2]);
    const shown = ckpt(['show', img]).out;
    expect(shown).toMatch(new RegExp(`^task ${init} \\(pid 1 in its pid namespace\\) ppid ${unshare!.pid} `, 'm'));
    expect(shown).toMatch(new RegExp(`^task ${child} \\(pid 2 in its pid namespace\\) ppid ${init} `, 'm'));
    // Beside processes of the host's pid namespace (the most of them), show names the container's as its own.
    const mixed = join(dir, 'mixed.ckpt');
    expect(ckpt(['capture', '--pid', [init, child, unshare!.pid, process.pid, process.ppid].join(','), '-o', mixed]).code).toBe(0);
    const pidNs = (pid: number) =>
      readImageFile(mixed)
        .tasks.find((t) => t.pid === pid)!
        .namespaces.find((n) => n.type === 'pid')!.ino;
    const mixedOut = ckpt(['show', mixed]).out;
    for (const pid of [init, child])
      expect(mixedOut).toMatch(new RegExp(`^task ${pid} .*\\n(  cwd .*\\n)?  namespaces of its own: pid:\\[${String(pidNs(pid))}\\]`, 'm'));
    expect(mixedOut.match(/namespaces of its own/g)).toHaveLength(2);
    // A process of the capture's own namespace: its one pid, nothing printed beside it.
    const here = join(dir, 'here.ckpt');
    expect(ckpt(['capture', '--pid', String(unshare!.pid), '-o', here]).code).toBe(0);
    expect(readImageFile(here).tasks.find((t) => t.pid === unshare!.pid)!.nsPids).toEqual([unshare!.pid]);
    expect(ckpt(['show', here]).out).not.toContain('in its pid namespace');
  });
});
