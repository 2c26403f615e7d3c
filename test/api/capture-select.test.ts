/**
 * The app's capture by namespace or cgroup, through the API handlers as
 * either host serves them: real processes in a real new network namespace
 * (and, where the machine lets the test make one, a real cgroup v2
 * directory with a non-ASCII name), the process list that lets the view
 * offer and count them, and the arguments the contract refuses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend, type Backend } from '../../src-main/api/handlers.js';
import type { CaptureResult, ImageOverview, ProcessList } from '../../src-shared/api/results.js';
import { covered } from '../../src-renderer/lib/select.js';
import { canUnshare, startContainer, type Container } from '../proc/containers.js';
import { dispatcher, leaders } from './dispatch.js';

let home: string;
let backend: Backend;
let box: Container | undefined;
let shell: Container['shell'] | undefined;
let members: number[] = [];
let kids: number[] = [];
let cg: Container['cg'] = null;

const { call, fail } = dispatcher(() => backend);

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'ckpt-api-select-'));
  backend = createBackend({ home, host: 'browser', emit: () => undefined, log: () => undefined });
  if (!canUnshare) return;
  // Not ASCII on purpose: the list gives the name as UTF-8 text and the capture must find the same bytes.
  box = await startContainer('ckpt-api-ü');
  ({ shell, members, kids, cg } = box);
});

afterAll(async () => {
  box?.stop();
  await backend?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

const inode = (link: string) => Number(/\[(\d+)\]$/.exec(link)![1]);

describe.skipIf(!canUnshare)('capture by namespace and cgroup, through the handlers', () => {
  it('the process list carries each process pid and network namespace and its cgroup, and the backend pid', async () => {
    const list = await call<ProcessList>('capture.processes', {});
    expect(list.selfPid).toBe(process.pid);
    const ours = list.processes.find((p) => p.pid === process.pid)!;
    expect(ours.pidNs).toBe(inode(readlinkSync('/proc/self/ns/pid')));
    expect(ours.netNs).toBe(inode(readlinkSync('/proc/self/ns/net')));
    const fixture = list.processes.filter((p) => members.includes(p.pid));
    expect(fixture.map((p) => p.pid).sort((a, b) => a - b)).toEqual(members);
    const netNs = inode(readlinkSync(`/proc/${shell!.pid}/ns/net`));
    expect(netNs).not.toBe(ours.netNs);
    for (const p of fixture) expect({ pid: p.pid, netNs: p.netNs, pidNs: p.pidNs }).toEqual({ pid: p.pid, netNs, pidNs: ours.pidNs });
    // The view's count for "every process in this one's network" is the fixture, and no more.
    expect([...covered(list.processes, { ns: { type: 'net', of: shell!.pid! } }, list.selfPid)].sort((a, b) => a - b)).toEqual(members);
    const v2 = readFileSync(`/proc/${kids[1]}/cgroup`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('0::'));
    if (v2) expect(fixture.find((p) => p.pid === kids[1])!.cgroup).toBe(v2.slice(3));
    if (cg) expect(fixture.find((p) => p.pid === kids[0])!.cgroup).toBe(cg.path);
  });

  it('capture.run {ns} captures exactly the processes in that network namespace, and the header names it', async () => {
    const r = await call<CaptureResult>('capture.run', { source: 'proc', ns: { type: 'net', of: shell!.pid }, label: 'by net ns' });
    expect(r.image.label).toBe('by net ns');
    const ov = await call<ImageOverview>('image.open', { id: r.image.id });
    expect(leaders(ov)).toEqual(members);
    expect(ov.header.options.ns).toBe(`net:${shell!.pid} ${readlinkSync(`/proc/${shell!.pid}/ns/net`)}`);
    expect(ov.header.options.pids).toBeUndefined();
  });

  it('capture.run {cgroup} (a UTF-8 name) takes the processes in it; with {ns} too, those in both; the view counts the same', async (ctx) => {
    if (!cg) return ctx.skip(); // the machine would not let the test make a cgroup (known only after beforeAll)
    const list = await call<ProcessList>('capture.processes', {});
    expect([...covered(list.processes, { cgroup: cg.path }, list.selfPid)]).toEqual([kids[0]]);
    const inside = await call<ImageOverview>('image.open', {
      id: (await call<CaptureResult>('capture.run', { source: 'proc', cgroup: cg.path })).image.id,
    });
    expect(leaders(inside)).toEqual([kids[0]]);
    // A non-ASCII cgroup name is matched by its bytes and recorded as given.
    expect(inside.header.options.cgroup).toBe(cg.path);
    const both = await call<CaptureResult>('capture.run', {
      source: 'proc',
      cgroup: `${cg.path}/`,
      ns: { type: 'net', of: shell!.pid },
      freeze: true,
    });
    expect(leaders(await call<ImageOverview>('image.open', { id: both.image.id }))).toEqual([kids[0]]);
  });

  it('a selector that selects nothing, or names no process, is a capture-error saying which', async () => {
    const none = await fail('capture.run', { source: 'proc', cgroup: '/no/such/cgroup' });
    expect(none).toMatchObject({ code: 'capture-error' });
    expect(none.message).toContain('no process to capture: none is in cgroup /no/such/cgroup');
    const gone = await fail('capture.run', { source: 'proc', ns: { type: 'pid', of: 4_000_000 } });
    expect(gone.code).toBe('capture-error');
    expect(gone.message).toContain('pid:4000000: no such process');
  });
});

describe('capture.run selectors: what the contract refuses', () => {
  const cases: [object, RegExp][] = [
    [{ pids: [1], cgroup: '/' }, /pids: select by pids or by cgroup\/ns\/user\/comm, not both/],
    [{ pids: [1], ns: { type: 'net', of: 1 } }, /pids: select by pids or by cgroup\/ns\/user\/comm, not both/],
    [{}, /pids: say which processes: pids, or any of cgroup, ns, user and comm/],
    [{ cgroup: 'system.slice' }, /cgroup: a cgroup path as \/proc\/PID\/cgroup shows it, starting with \//],
    [{ cgroup: `/${'x'.repeat(4096)}` }, /cgroup: Too big/],
    [
      { ns: { type: 'netns', of: 1 } },
      /ns\.type: Invalid option: expected one of "cgroup"\|"ipc"\|"mnt"\|"net"\|"pid"\|"time"\|"user"\|"uts"/,
    ],
    [{ ns: { type: 'net', of: 0 } }, /ns\.of: Too small/],
    [{ ns: { type: 'net', of: 1.5 } }, /ns\.of: /],
    [{ ns: { type: 'net' } }, /ns\.of: /],
    [{ ns: { type: 'net', of: 1, extra: true } }, /ns: Unrecognized key: "extra"/],
    [{ cgroup: '/', tree: true }, /tree: tree applies to pids; cgroup, ns, user and comm select the processes themselves/],
  ];
  it.each(cases.map(([args, re]) => ({ name: JSON.stringify(args).slice(0, 60), args, re })))(
    '$name is bad-argument',
    async ({ args, re }) => {
      const e = await fail('capture.run', { source: 'proc', ...args });
      expect(e.code).toBe('bad-argument');
      expect(e.message).toMatch(re);
    },
  );
});
