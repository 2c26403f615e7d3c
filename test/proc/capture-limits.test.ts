/**
 * Limits, the other half of "too many open files": each task's
 * RLIMIT_NOFILE (threads share their process's) and the machine's file
 * limits, from both /proc readers, and unknown (not made up) where /proc
 * does not have them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureProc } from '../../src-main/sources/proc/index.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { decodeImage } from '../../src-main/engine/reader.js';
import { KERNEL_LIMITS } from '../../src-shared/model/index.js';
import { fakeProc } from './fixture.js';

let proc: ChildProcess;
let threaded: ChildProcess;

function started(c: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    c.stdout!.once('data', () => resolve());
    c.once('exit', (code) => reject(new Error(`fixture exited ${code}`)));
  });
}

beforeAll(async () => {
  // A shell lowers its soft limit, then its hard one, then becomes a sleeper that keeps them.
  proc = spawn('sh', ['-c', 'ulimit -S -n 777 && ulimit -H -n 2000 && echo ready && exec sleep 60'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // A process with threads (not node: it raises its own soft limit to the hard one), with a soft limit of 900.
  const py =
    "import threading, time\nfor _ in range(2): threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\nprint('ready', flush=True)\ntime.sleep(60)";
  threaded = spawn('sh', ['-c', `ulimit -S -n 900 && exec python3 -c "${py}"`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await Promise.all([started(proc), started(threaded)]);
});

afterAll(() => {
  proc.kill('SIGKILL');
  threaded.kill('SIGKILL');
});

describe.each(['native', 'js'] as const)('with the %s reader', (reader) => {
  it("records each task's fd limit, shared by its threads", async () => {
    const snap = await captureProc({ pids: [proc.pid!, threaded.pid!], reader });
    const t = snap.tasks.find((x) => x.pid === proc.pid)!;
    expect(t.fdLimit).toEqual({ soft: 777, hard: 2000 });
    const hard = Number(/^Max open files\s+\d+\s+(\d+)/m.exec(readFileSync(`/proc/${threaded.pid}/limits`, 'latin1'))![1]);
    const threads = snap.tasks.filter((x) => x.tgid === threaded.pid);
    expect(threads.length).toBeGreaterThan(1);
    for (const th of threads) expect(th.fdLimit).toEqual({ soft: 900, hard });
    // And the image keeps them.
    const back = decodeImage(encodeSnapshot(snap));
    expect(back.tasks.find((x) => x.pid === proc.pid)!.fdLimit).toEqual({ soft: 777, hard: 2000 });
  });

  it("records the machine's file limits", async () => {
    const snap = await captureProc({ pids: [proc.pid!], reader });
    const k = snap.header.kernelLimits;
    expect(Object.keys(k).sort()).toEqual([...KERNEL_LIMITS].sort());
    expect(k['fs.nr_open']).toBe(Number(readFileSync('/proc/sys/fs/nr_open', 'latin1')));
    expect(k['fs.inotify.max_user_instances']).toBe(Number(readFileSync('/proc/sys/fs/inotify/max_user_instances', 'latin1')));
    const fileMax = readFileSync('/proc/sys/fs/file-max', 'latin1').trim();
    expect(String(k['fs.file-max'])).toBe(fileMax); // LONG_MAX on many machines: a bigint then
    expect(Number(k['fs.file-nr'])).toBeGreaterThan(0);
  });
});

it('leaves limits unknown where /proc has none (an older kernel, a fake /proc)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-limits-'));
  try {
    const root = fakeProc(join(dir, 'proc'), [4242]);
    for (const reader of ['native', 'js'] as const) {
      const snap = await captureProc({ pids: [4242], procRoot: root, reader });
      expect(snap.tasks[0]!.pid).toBe(4242);
      expect(snap.tasks[0]!.fdLimit).toBeNull();
      expect(snap.header.kernelLimits).toEqual({});
    }
    // A limits file without the line, or with one that does not parse: unknown too; "unlimited" is null. Both readers.
    const cases: [string, unknown][] = [
      ['Limit  Soft Limit  Hard Limit  Units\nMax processes  63000  63000  processes\n', null],
      ['Limit  Soft Limit  Hard Limit  Units\nMax open files  lots  2000  files\n', null],
      ['Limit  Soft Limit  Hard Limit  Units\nMax open files  unlimited  unlimited  files\n', { soft: null, hard: null }],
      [
        'Limit  Soft Limit  Hard Limit  Units\nMax open files  300  4096  files\nMax locked memory  8388608  8388608  bytes\n',
        { soft: 300, hard: 4096 },
      ],
    ];
    for (const [text, want] of cases) {
      writeFileSync(join(root, '4242', 'limits'), text);
      for (const reader of ['native', 'js'] as const)
        expect((await captureProc({ pids: [4242], procRoot: root, reader })).tasks[0]!.fdLimit, `${reader}: ${text}`).toEqual(want);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
