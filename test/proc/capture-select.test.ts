/**
 * Capturing what a container holds without naming its pids: every process
 * of a cgroup (or below it), every process sharing a namespace with one,
 * or both. Real processes in a real new network namespace and a real cgroup.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureProc } from '../../src-main/sources/proc/index.js';
import { ckpt } from '../cli/run.js';

const canUnshare = spawnSync('unshare', ['--net', 'true']).status === 0;
let shell: ChildProcess | undefined;
let members: number[] = [];

/** A cgroup v2 directory this test may create and move a process into, or null. */
function cgroup2Root(): { mount: string; base: string } | null {
  const mount = readFileSync('/proc/mounts', 'latin1')
    .split('\n')
    .map((l) => l.split(' '))
    .find((f) => f[2] === 'cgroup2')?.[1];
  const line = readFileSync('/proc/self/cgroup', 'latin1')
    .split('\n')
    .find((l) => l.startsWith('0::'));
  if (!mount || !line) return null;
  return { mount, base: line.slice(3) === '/' ? '' : line.slice(3) };
}

let cg: { dir: string; path: string } | null = null;

beforeAll(async () => {
  if (!canUnshare) return;
  // A shell and two children in a network namespace of their own.
  shell = spawn('unshare', ['--net', 'sh', '-c', 'sleep 60 & sleep 60 & echo ready; wait'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    shell!.stdout!.once('data', () => resolve());
    shell!.once('exit', (c) => reject(new Error(`namespace fixture exited ${c}`)));
  });
  const kids = readFileSync(`/proc/${shell.pid}/task/${shell.pid}/children`, 'latin1').trim().split(/\s+/).map(Number);
  members = [shell.pid!, ...kids].sort((a, b) => a - b);
  // One of the children in a cgroup of its own, where the machine lets us make one.
  const root = cgroup2Root();
  if (root) {
    // Not ASCII: cgroup names are bytes, matched as such.
    const path = `${root.base}/ckpt-tëst-${process.pid}`;
    const dir = join(root.mount, path);
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'cgroup.procs'), String(kids[0]));
      cg = { dir, path };
    } catch {
      cg = null;
    }
  }
});

afterAll(() => {
  shell?.kill('SIGKILL');
  for (const p of members) spawnSync('kill', ['-9', String(p)]);
  if (cg)
    for (let i = 0; i < 50; i++)
      try {
        rmdirSync(cg.dir);
        break;
      } catch {
        spawnSync('sleep', ['0.05']);
      }
});

const pidsOf = (s: Awaited<ReturnType<typeof captureProc>>) => s.tasks.filter((t) => t.pid === t.tgid).map((t) => t.pid).sort((a, b) => a - b);

describe.skipIf(!canUnshare)('selecting by namespace and cgroup', () => {
  it('--ns net:PID captures exactly the processes in that network namespace, and names the namespace', async () => {
    const s = await captureProc({ ns: { type: 'net', of: shell!.pid! } });
    expect(pidsOf(s)).toEqual(members);
    expect(s.header.options.ns).toMatch(new RegExp(`^net:${shell!.pid} net:\\[\\d+\\]$`));
  });

  it('--cgroup PATH captures the processes in it and below it; with --ns, those in both', async (ctx) => {
    if (!cg) return ctx.skip(); // the machine would not let the test make a cgroup (known only after beforeAll)
    const inside = await captureProc({ cgroup: cg.path });
    expect(pidsOf(inside)).toEqual([members[1]]);
    expect(inside.header.options.cgroup).toBe(cg.path);
    // Its parent holds it too (and more).
    const parent = cg.path.slice(0, cg.path.lastIndexOf('/')) || '/';
    expect(pidsOf(await captureProc({ cgroup: parent }))).toContain(members[1]);
    // Both: the namespace's processes that are also in the cgroup.
    expect(pidsOf(await captureProc({ cgroup: cg.path, ns: { type: 'net', of: shell!.pid! } }))).toEqual([members[1]]);
    // And the trailing-slash spelling means the same cgroup.
    expect(pidsOf(await captureProc({ cgroup: `${cg.path}/` }))).toEqual([members[1]]);
  });

  it('the CLI: errors name what and where; selectors do not mix with --pid or --all', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-select-'));
    try {
      const img = join(dir, 'x.ckpt');
      const ok = ckpt(['capture', '--ns', `net:${shell!.pid}`, '-o', img]);
      expect(ok.code, ok.err).toBe(0);
      expect(ok.err).toContain(`captured ${members.length} tasks`);
      const none = ckpt(['capture', '--cgroup', '/no/such/cgroup', '-o', img]);
      expect(none.code).toBe(1);
      expect(none.err).toContain('ckpt capture: no process to capture: none is in cgroup /no/such/cgroup');
      const gone = ckpt(['capture', '--ns', 'pid:999999999', '-o', img]);
      expect(gone.code).toBe(1);
      expect(gone.err).toContain('--ns pid:999999999: no such process');
      for (const [args, re] of [
        [['--cgroup', 'relative/path'], /--cgroup: a path as \/proc\/PID\/cgroup shows it, starting with \//],
        [['--ns', 'netns:1'], /--ns: TYPE:PID with TYPE one of cgroup, ipc, mnt, net, pid, time, user, uts, got "netns:1"/],
        [['--ns', 'net:1', '--all'], /--cgroup and --ns select processes themselves: not with --pid or --all/],
        [['--cgroup', '/', '--pid', '1'], /not with --pid or --all/],
      ] as [string[], RegExp][]) {
        const r = ckpt(['capture', ...args, '-o', img]);
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.err).toMatch(re);
      }
      expect(readdirSync(dir)).toEqual(['x.ckpt']); // the failures wrote nothing
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
