/**
 * Capturing what a container holds without naming its pids: every process
 * of a cgroup (or below it), every process sharing a namespace with one,
 * or both. Real processes in a real new network namespace and a real cgroup.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureProc } from '../../src-main/sources/proc/index.js';
import { ckpt } from '../cli/run.js';
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
