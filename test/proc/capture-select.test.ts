/**
 * Capturing what a container holds without naming its pids: every process
 * of a cgroup (or below it), every process sharing a namespace with one,
 * or both. Real processes in a real new network namespace and a real cgroup.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureProc } from '../../src-main/sources/proc/index.js';
import { CKPT, ckpt } from '../cli/run.js';
import type { Snapshot } from '../../src-shared/model/index.js';
import { canUnshare, startContainer, type Container } from './containers.js';

let box: Container | undefined;
let shell: Container['shell'] | undefined;
let members: number[] = [];
let kids: number[] = [];
let cg: Container['cg'] = null;

beforeAll(async () => {
  if (!canUnshare) return;
  // Not ASCII: cgroup names are bytes, matched as such.
  box = await startContainer('ckpt-tëst');
  ({ shell, members, kids, cg } = box);
});

afterAll(() => box?.stop());

const pidsOf = (s: Awaited<ReturnType<typeof captureProc>>) =>
  s.tasks
    .filter((t) => t.pid === t.tgid)
    .map((t) => t.pid)
    .sort((a, b) => a - b);

describe.skipIf(!canUnshare)('selecting by namespace and cgroup', () => {
  it('--ns net:PID captures exactly the processes in that network namespace, and names the namespace', async () => {
    const s = await captureProc({ ns: { type: 'net', of: shell!.pid! } });
    expect(pidsOf(s)).toEqual(members);
    expect(s.header.options.ns).toMatch(new RegExp(`^net:${shell!.pid} net:\\[\\d+\\]$`));
  });

  it('--cgroup PATH captures the processes in it and below it; with --ns, those in both', async (ctx) => {
    if (!cg) return ctx.skip(); // the machine would not let the test make a cgroup (known only after beforeAll)
    const inside = await captureProc({ cgroup: cg.path });
    expect(pidsOf(inside)).toEqual([kids[0]]);
    expect(inside.header.options.cgroup).toBe(cg.path);
    // Its parent holds it too (and more).
    const parent = cg.path.slice(0, cg.path.lastIndexOf('/')) || '/';
    expect(pidsOf(await captureProc({ cgroup: parent }))).toContain(kids[0]);
    // Both: the namespace's processes that are also in the cgroup.
    expect(pidsOf(await captureProc({ cgroup: cg.path, ns: { type: 'net', of: shell!.pid! } }))).toEqual([kids[0]]);
    // And the trailing-slash spelling means the same cgroup.
    expect(pidsOf(await captureProc({ cgroup: `${cg.path}/` }))).toEqual([kids[0]]);
  });

  it('a --cgroup series goes on while the cgroup is empty (a unit restarting), and says so', async (ctx) => {
    if (!cg) return ctx.skip();
    const home = mkdtempSync(join(tmpdir(), 'ckpt-select-series-'));
    const parentProcs = join(cg.dir, '..', 'cgroup.procs');
    try {
      const run = spawn(process.execPath, [
        CKPT,
        'capture',
        '--cgroup',
        cg.path,
        '--store',
        '--every',
        '300ms',
        '--count',
        '3',
        '--home',
        home,
      ]);
      let err = '';
      const code = await new Promise<number | null>((resolve) => {
        run.stderr!.on('data', (d: Buffer) => {
          const first = !err.includes('1: stored');
          err += d.toString();
          // After the first capture its only process leaves the cgroup.
          if (first && err.includes('1: stored')) writeFileSync(parentProcs, String(kids[0]));
        });
        run.on('exit', resolve);
      });
      expect(code, err).toBe(0);
      expect(err).toContain(`2: no process to capture: none is in cgroup ${cg.path}; trying again at the next interval`);
      expect(err).toContain('3: no process to capture');
      expect(JSON.parse(ckpt(['list', '--json', '--home', home]).out)).toHaveLength(1);
    } finally {
      writeFileSync(join(cg.dir, 'cgroup.procs'), String(kids[0])); // back, for the other tests
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('a --ns series keeps the namespace it began with when the process that named it exits', async () => {
    const other = await startContainer('ckpt-ns-series');
    const home = mkdtempSync(join(tmpdir(), 'ckpt-select-ns-'));
    try {
      const run = spawn(process.execPath, [
        CKPT,
        'capture',
        '--ns',
        `net:${other.shell.pid}`,
        '--store',
        '--every',
        '300ms',
        '--count',
        '2',
        '--home',
        home,
      ]);
      let err = '';
      const code = await new Promise<number | null>((resolve) => {
        run.stderr!.on('data', (d: Buffer) => {
          const first = !err.includes('1: stored');
          err += d.toString();
          // The shell goes; its children stay in the namespace (its pid could now be anyone's).
          if (first && err.includes('1: stored')) other.shell.kill('SIGKILL');
        });
        run.on('exit', resolve);
      });
      expect(code, err).toBe(0);
      const ids = (JSON.parse(ckpt(['list', '--json', '--home', home]).out) as { id: string; captureTime: number }[])
        .sort((a, b) => a.captureTime - b.captureTime)
        .map((i) => i.id);
      expect(ids).toHaveLength(2);
      const second = JSON.parse(ckpt(['show', ids[1]!, '--json', '--home', home]).out) as Snapshot;
      expect(second.tasks.map((t) => t.pid).sort((a, b) => a - b)).toEqual(other.kids.slice().sort((a, b) => a - b));
      const first = JSON.parse(ckpt(['show', ids[0]!, '--json', '--home', home]).out) as Snapshot;
      expect(second.header.options.ns).toBe(first.header.options.ns);
    } finally {
      other.stop();
      rmSync(home, { recursive: true, force: true });
    }
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
        [['--ns', 'net:1', '--all'], /--cgroup, --ns, --user and --comm select processes themselves: not with --pid or --all/],
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
