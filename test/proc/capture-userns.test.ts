/**
 * Processes in namespaces of their own, captured live (test/fixtures/proc/
 * nsthread.c: a process and one thread, which print their ids as they see
 * them inside):
 * - in a new pid namespace, the thread too is recorded with its tid inside
 *   (image format 1.6; processes had their pid inside since 1.5);
 * - in a new user namespace, as a rootless container runs: host uid 100000
 *   mapped to root inside, recorded and shown as `uid 100000 (0 in its user
 *   namespace)`; with no map written, the kernel's overflow id 65534.
 * A capture by another unprivileged user cannot read the namespace links:
 * the tasks are recorded without the ids inside, and nothing fails.
 * Those need root (unshare --pid, and setuid to the fixtures' users); maps
 * and statuses /proc could not give (unreadable, malformed, a thread gone)
 * are held to error records and left-out fields on a fake /proc.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImageFile } from '../../src-main/engine/reader.js';
import type { Snapshot, Task } from '../../src-shared/model/index.js';
import { ckpt } from '../cli/run.js';
import { ROOT, compile, fakeProc } from './fixture.js';
import { captureProc } from '../../src-main/sources/proc/index.js';

const root = process.geteuid?.() === 0;
const HOST_UID = 100000;
const BUNDLE = join(ROOT, 'out', 'cli', 'ckpt.mjs');

interface Inside {
  pid: number;
  tid: number;
  uid: number;
  gid: number;
}
interface Boxed {
  proc: ChildProcess;
  /** The fixture's host pid and its thread's host tid. */
  pid: number;
  tid: number;
  inside: Inside;
}

let dir: string;
const boxes: Boxed[] = [];

const childrenOf = (pid: number) => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);

/** The fixture run by `unshare args`, as `uid` when given; with --fork its host pid is unshare's child. */
async function boxed(args: string[], uid?: number): Promise<Boxed> {
  const proc = spawn('unshare', [...args, compile('nsthread')], { stdio: ['pipe', 'pipe', 'inherit'], uid, gid: uid });
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    proc.stdout!.on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      if (buf.includes('\n')) resolve(buf.slice(0, buf.indexOf('\n')));
    });
    proc.once('exit', (code) => reject(new Error(`unshare ${args.join(' ')} exited (${code}) before the fixture reported`)));
  });
  const pid = args.includes('--fork') ? childrenOf(proc.pid!)[0]! : proc.pid!;
  const tid = readdirSync(`/proc/${pid}/task`)
    .map(Number)
    .find((t) => t !== pid)!;
  const b = { proc, pid, tid, inside: JSON.parse(line) as Inside };
  boxes.push(b);
  return b;
}

function capture(name: string, pids: number[], uid?: number): { snap: Snapshot; shown: string } {
  const img = join(dir, name);
  const args = ['capture', '--pid', pids.join(','), '-o', img];
  if (uid === undefined) {
    const r = ckpt(args);
    expect(r.code, r.err).toBe(0);
  } else {
    // As another user, the bundle as built (the root run before rebuilt it if it was stale).
    const r = spawnSync(process.execPath, [BUNDLE, ...args], { uid, gid: uid, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
  }
  return { snap: readImageFile(img), shown: ckpt(['show', img]).out };
}

const taskOf = (s: Snapshot, pid: number): Task => s.tasks.find((t) => t.pid === pid)!;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ckpt-userns-'));
  chmodSync(dir, 0o777);
});
afterAll(() => {
  // Pid 1 of a pid namespace takes the rest with it.
  for (const b of boxes) {
    try {
      process.kill(b.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    b.proc.kill('SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!root)('a thread in its own pid namespace', () => {
  it('is recorded with its tid inside, as its process with its pid inside', async () => {
    const b = await boxed(['--pid', '--fork']);
    expect(b.inside).toMatchObject({ pid: 1, tid: 2 });
    const { snap, shown } = capture('pidns.ckpt', [b.pid]);
    expect(taskOf(snap, b.pid).nsPids).toEqual([b.pid, 1]);
    expect(taskOf(snap, b.tid).nsPids).toEqual([b.tid, 2]);
    expect(shown).toMatch(new RegExp(`^task ${b.tid} \\(pid 2 in its pid namespace\\) thread of ${b.pid} `, 'm'));
    // Same user namespace as the capture: nothing said of it.
    expect(snap.tasks.some((t) => 'userNsIds' in t)).toBe(false);
    expect(shown).not.toContain('in its user namespace');
  });

  it("a thread of the capture's own pid namespace: its one tid, known without reading its status", async () => {
    const b = await boxed(['--uts']); // a namespace, but not a pid one: same pids inside and out
    const { snap } = capture('here.ckpt', [b.pid]);
    expect(taskOf(snap, b.pid).nsPids).toEqual([b.pid]);
    expect(taskOf(snap, b.tid).nsPids).toEqual([b.tid]);
  });
});

describe.skipIf(!root)('a process in its own user namespace (a rootless container)', () => {
  it('host uid 100000 mapped to root: recorded and shown with its ids inside, its thread too', async () => {
    const b = await boxed(['--user', '--map-root-user', '--pid', '--fork'], HOST_UID);
    expect(b.inside).toEqual({ pid: 1, tid: 2, uid: 0, gid: 0 });
    const { snap, shown } = capture('rootless.ckpt', [b.pid]);
    for (const t of [taskOf(snap, b.pid), taskOf(snap, b.tid)]) {
      expect(t).toMatchObject({ uid: HOST_UID, gid: HOST_UID, userNsIds: { uid: 0, gid: 0 } });
    }
    expect(taskOf(snap, b.tid).nsPids).toEqual([b.tid, 2]);
    expect(shown).toMatch(
      new RegExp(`^task ${b.pid} \\(pid 1 in its pid namespace\\) ppid \\d+ uid ${HOST_UID} \\(0 in its user namespace\\) `, 'm'),
    );
    const json = JSON.parse(ckpt(['show', join(dir, 'rootless.ckpt'), '--json']).out) as { tasks: { pid: number; userNsIds?: unknown }[] };
    expect(json.tasks.find((t) => t.pid === b.pid)!.userNsIds).toEqual({ uid: 0, gid: 0 });
    expect(snap.errors).toEqual([]);

    // Its own user captures it fully (its namespace is one it owns) ...
    const own = capture('rootless-own.ckpt', [b.pid], HOST_UID).snap;
    expect(taskOf(own, b.pid).userNsIds).toEqual({ uid: 0, gid: 0 });
    // ... another cannot read its namespace links: no ids inside, no failure.
    const other = capture('rootless-other.ckpt', [b.pid], 65534).snap;
    expect(taskOf(other, b.pid).uid).toBe(HOST_UID);
    expect(other.tasks.some((t) => 'userNsIds' in t)).toBe(false);
  });

  it('an id its map does not cover is the overflow id, as the kernel shows it inside', async () => {
    const b = await boxed(['--user'], HOST_UID); // no map written
    expect(b.inside).toMatchObject({ uid: 65534, gid: 65534 });
    const { snap, shown } = capture('unmapped.ckpt', [b.pid]);
    expect(taskOf(snap, b.pid).userNsIds).toEqual({ uid: 65534, gid: 65534 });
    expect(shown).toContain(`uid ${HOST_UID} (65534 in its user namespace)`);
  });
});

describe('maps as /proc gives them, or does not (a fake /proc)', () => {
  /** Process 4242 as host uid 100005, gid 100007, in user namespace [999] (not ours), whose uid_map and gid_map are these. */
  function fake(uidMap: string | null, gidMap: string, status = ''): string {
    const root = fakeProc(join(dir, `proc-${Math.random().toString(36).slice(2)}`), [4242]);
    const b = join(root, '4242');
    writeFileSync(
      join(b, 'status'),
      `Name:\tfake\nTgid:\t4242\nUid:\t100005\t100005\t100005\t100005\nGid:\t100007\t100007\t100007\t100007\n${status}`,
    );
    symlinkSync('user:[999]', join(b, 'ns', 'user'));
    if (uidMap === null) mkdirSync(join(b, 'uid_map'));
    else writeFileSync(join(b, 'uid_map'), uidMap);
    writeFileSync(join(b, 'gid_map'), gidMap);
    return root;
  }
  const MAP = '         0     100000      65536\n';

  it.each(['native', 'js'] as const)('maps the ids through the lines that cover them (%s reader)', async (reader) => {
    const snap = await captureProc({ pids: [4242], procRoot: fake(MAP, '0 200000 1\n7 100007 1\n'), reader });
    expect(snap.tasks[0]!.userNsIds).toEqual({ uid: 5, gid: 7 });
    expect(snap.errors).toEqual([]);
  });
  it('an id no line covers is the overflow id', async () => {
    const snap = await captureProc({ pids: [4242], procRoot: fake('0 1000 1\n', '') });
    expect(snap.tasks[0]!.userNsIds).toEqual({ uid: 65534, gid: 65534 });
  });
  it("a map the capture's namespace does not wholly see, covering nothing it sees: the ids left out, no error", async () => {
    // The capture in a user namespace of its own: the process's host ids are not mapped in it (it sees
    // the overflow id) and the map's outside start shows as 4294967295. Inside it is root, not 65534.
    const root = fake('0 4294967295 65536\n', '0 4294967295 65536\n');
    writeFileSync(
      join(root, '4242', 'status'),
      'Name:\tfake\nTgid:\t4242\nUid:\t65534\t65534\t65534\t65534\nGid:\t65534\t65534\t65534\t65534\n',
    );
    const snap = await captureProc({ pids: [4242], procRoot: root });
    expect(snap.tasks[0]!.uid).toBe(65534);
    expect('userNsIds' in snap.tasks[0]!).toBe(false);
    expect(snap.errors).toEqual([]);
  });
  it('an unreadable or malformed map: an error record, the ids left out, the task kept', async () => {
    const unreadable = await captureProc({ pids: [4242], procRoot: fake(null, MAP) });
    expect(unreadable.tasks[0]!.pid).toBe(4242);
    expect('userNsIds' in unreadable.tasks[0]!).toBe(false);
    expect(unreadable.errors).toContainEqual(
      expect.objectContaining({ errno: 'EISDIR', pid: 4242, message: 'cannot read: its ids in its user namespace are not recorded' }),
    );
    const malformed = await captureProc({ pids: [4242], procRoot: fake('zero 100000 1\n', MAP) });
    expect('userNsIds' in malformed.tasks[0]!).toBe(false);
    expect(malformed.errors).toContainEqual(
      expect.objectContaining({ errno: 'EINVAL', pid: 4242, message: expect.stringMatching(/^not an id map/) }),
    );
  });
  it('a thread of a nested pid namespace whose status is gone or disagrees: its pids left out', async () => {
    const root = fake(MAP, MAP, 'NSpid:\t4242\t1\n');
    const t = join(root, '4242', 'task', '4243');
    mkdirSync(t, { recursive: true });
    writeFileSync(join(t, 'stat'), '4243 (fake) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0\n');
    let snap = await captureProc({ pids: [4242], procRoot: root });
    expect(snap.tasks.find((x) => x.pid === 4242)!.nsPids).toEqual([4242, 1]);
    expect('nsPids' in snap.tasks.find((x) => x.pid === 4243)!).toBe(false);
    writeFileSync(join(t, 'status'), 'Name:\tfake\nNSpid:\t4243\t2\n');
    snap = await captureProc({ pids: [4242], procRoot: root });
    expect(snap.tasks.find((x) => x.pid === 4243)!.nsPids).toEqual([4243, 2]);
    writeFileSync(join(t, 'status'), 'Name:\tfake\nNSpid:\t4243\n');
    snap = await captureProc({ pids: [4242], procRoot: root });
    expect('nsPids' in snap.tasks.find((x) => x.pid === 4243)!).toBe(false);
  });
});
