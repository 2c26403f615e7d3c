/**
 * Selecting processes as lsof -u and -c do: by real uid and by comm (whole,
 * or a prefix with `NAME*`), matched as bytes; each other and --cgroup/--ns
 * intersect. And --pid of processes that do not exist: an error, not an
 * image of nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureProc, missingPids } from '../../src-main/sources/proc/index.js';
import { EmptySelectionError, NoSuchProcessError } from '../../src-main/sources/proc/select.js';
import type { Snapshot } from '../../src-shared/model/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeProc, startNamed, type Running } from './fixture.js';

/** Comms unlikely to be anyone else's; one is not UTF-8 at all. */
const TAG = `k${process.pid % 100000}`;
let accented: Running; // TAG + "ë" (UTF-8)
let plain: Running; // TAG + "e"
let binary: Running; // TAG + 0xff 0xfe: not UTF-8
let nobody: Running; // TAG + "n", run as nobody

beforeAll(async () => {
  accented = await startNamed(`${TAG}ë`);
  plain = await startNamed(`${TAG}e`);
  binary = await startNamed(Buffer.concat([Buffer.from(TAG), Buffer.from([0xff, 0xfe])]));
  nobody = await startNamed(`${TAG}n`, undefined, { uid: 65534, gid: 65534 });
});

afterAll(async () => {
  for (const r of [accented, plain, binary, nobody]) await r?.stop();
});

const pidsOf = (s: Snapshot) =>
  s.tasks
    .filter((t) => t.pid === t.tgid)
    .map((t) => t.pid)
    .sort((a, b) => a - b);
const sorted = (...r: Running[]) => r.map((x) => x.pid).sort((a, b) => a - b);

describe('--comm', () => {
  it('takes the processes whose comm is NAME, byte for byte', async () => {
    const s = await captureProc({ comms: [`${TAG}ë`] });
    expect(pidsOf(s)).toEqual([accented.pid]);
    expect(s.header.options.comm).toBe(`${TAG}ë`);
    expect(pidsOf(await captureProc({ comms: [`${TAG}e`, `${TAG}n`] }))).toEqual(sorted(plain, nobody));
  });

  it('NAME* takes the names that start with NAME, a name that is not UTF-8 too', async () => {
    expect(pidsOf(await captureProc({ comms: [`${TAG}*`] }))).toEqual(sorted(accented, plain, binary, nobody));
    // The first byte of ë (0xc3) is no prefix of it on its own: NAME is whole characters.
    expect(pidsOf(await captureProc({ comms: [`${TAG}e*`] }))).toEqual([plain.pid]);
    await expect(captureProc({ comms: [TAG] })).rejects.toThrow(EmptySelectionError);
  });

  it('selecting nothing is an error naming the selection, the name shown escaped', async () => {
    const e = await captureProc({ comms: [`${TAG}\u202e`] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EmptySelectionError);
    expect((e as Error).message).toBe(`no process to capture: none has comm ${TAG}\\u202e`);
  });
});

describe('--user', () => {
  it('takes the processes of a real uid; with --comm, those of both', async () => {
    const s = await captureProc({ users: [65534], comms: [`${TAG}*`] });
    expect(pidsOf(s)).toEqual([nobody.pid]);
    expect(s.header.options).toMatchObject({ user: '65534', comm: `${TAG}*` });
    expect(pidsOf(await captureProc({ users: [0], comms: [`${TAG}*`] }))).toEqual(sorted(accented, plain, binary));
    expect(pidsOf(await captureProc({ users: [0, 65534], comms: [`${TAG}*`] }))).toEqual(sorted(accented, plain, binary, nobody));
    const alone = pidsOf(await captureProc({ users: [65534] }));
    expect(alone).toContain(nobody.pid);
    expect(alone).not.toContain(plain.pid);
  });

  it('intersects with --cgroup', async () => {
    expect(pidsOf(await captureProc({ cgroup: '/', users: [65534], comms: [`${TAG}*`] }))).toEqual([nobody.pid]);
    await expect(captureProc({ cgroup: '/no-such-ckpt-cgroup', comms: [`${TAG}*`] })).rejects.toThrow(
      /none is in cgroup \/no-such-ckpt-cgroup and has comm k\d+\*/,
    );
  });
});

describe('--pid of processes that do not exist', () => {
  const gone = 0x3ffffff0; // above any pid_max a kernel allows by default

  it('none of them: an error naming them, no image', async () => {
    const e = await captureProc({ pids: [gone, gone + 1] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NoSuchProcessError);
    expect((e as NoSuchProcessError).pids).toEqual([gone, gone + 1]);
    expect((e as Error).message).toBe(`no such process: ${gone}, ${gone + 1}`);
    await expect(captureProc({ pids: [gone], tree: true })).rejects.toThrow(NoSuchProcessError);
  });

  it('none of them left by the time they are read: the same error', async () => {
    // A fake /proc whose pid directory is listed but whose stat is gone: the process exited after it was selected.
    const root = mkdtempSync(join(tmpdir(), 'ckpt-fake-proc-'));
    try {
      fakeProc(root, [4242]);
      rmSync(join(root, '4242', 'stat'));
      const e = await captureProc({ procRoot: root, pids: [4242], reader: 'js', timeoutMs: 0 }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(NoSuchProcessError);
      expect((e as NoSuchProcessError).pids).toEqual([4242]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('some of them: the image of the others, an error record and a name for each missing one', async () => {
    const s = await captureProc({ pids: [plain.pid, gone] });
    expect(pidsOf(s)).toEqual([plain.pid]);
    expect(s.errors).toContainEqual(expect.objectContaining({ errno: 'ESRCH', pid: gone, fd: -1 }));
    expect(missingPids(s)).toEqual([gone]);
  });
});
