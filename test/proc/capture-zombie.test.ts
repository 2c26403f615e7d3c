/**
 * A zombie (exited, its parent has not reaped it) has no fds, cwd or root:
 * the capture records it as a zombie, with no error records for what it
 * cannot have, in both readers, as root and as an unprivileged user.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureProc } from '../../src-main/sources/proc/index.js';
import { decodeImage, readImageFile } from '../../src-main/engine/reader.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { taskStateKnown, type Snapshot } from '../../src-shared/model/index.js';
import { ROOT, procState, runHangChild, startNamed, type Running } from './fixture.js';

let work: string;
let parent: Running;
let zombie: number;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ckpt-zombie-'));
  chmodSync(work, 0o777);
  parent = await startNamed('zparent', 'zombie');
  zombie = Number(parent.line.split(' ')[1]);
});

afterAll(async () => {
  await parent?.stop();
  rmSync(work, { recursive: true, force: true });
});

function expectZombie(s: Snapshot): void {
  const z = s.tasks.find((t) => t.pid === zombie)!;
  expect(z).toMatchObject({ zombie: true, fdTable: 0, ppid: parent.pid, cwd: '', root: '' });
  expect(s.errors.filter((e) => e.pid === zombie)).toEqual([]);
  // Its parent is alive, and no zombie.
  const p = s.tasks.find((t) => t.pid === parent.pid)!;
  expect('zombie' in p).toBe(false);
}

describe('a zombie', () => {
  it('is a task marked zombie, with no error records, in both readers', async () => {
    expect(procState(zombie)).toBe('Z');
    for (const reader of ['native', 'js'] as const) {
      const s = await captureProc({ pids: [parent.pid], tree: true, reader });
      expect(s.header.options.reader).toBe(reader);
      expectZombie(s);
      expect(s.errors).toEqual([]);
      // The mark survives the image, which says it knows.
      const back = decodeImage(encodeSnapshot(s));
      expect(taskStateKnown(back.header)).toBe(true);
      expectZombie(back);
    }
  });

  it('is a zombie to an unprivileged capture too, with no EACCES records for what it cannot have', () => {
    const img = join(work, 'nobody.img');
    // The bundle, built by root (bin/ckpt.mjs rebuilds it when stale): nobody may not write it.
    expect(spawnSync(process.execPath, [join(ROOT, 'bin', 'ckpt.mjs'), '--version']).status).toBe(0);
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'out', 'cli', 'ckpt.mjs'), 'capture', '--pid', `${parent.pid},${zombie}`, '-o', img],
      { uid: 65534, gid: 65534, timeout: 60_000 },
    );
    expect(r.status, r.stderr.toString()).toBe(0);
    const s = readImageFile(img);
    expectZombie(s);
    // Its live parent is another user's: that is what the records are about.
    expect(s.errors.some((e) => e.pid === parent.pid && e.errno === 'EACCES')).toBe(true);
  });
});

describe('a process whose leader thread exited', () => {
  it("is no zombie: its fds, cwd and namespaces are read through its live thread, and are its leader task's, in both readers", async () => {
    const p = await startNamed('zleader', 'leader-exits');
    try {
      const fd = Number(p.line.split(' ')[1]);
      for (let i = 0; i < 100 && procState(p.pid) !== 'Z'; i++) await new Promise((r) => setTimeout(r, 10));
      expect(procState(p.pid)).toBe('Z');
      for (const reader of ['native', 'js'] as const) {
        const s = await captureProc({ pids: [p.pid], reader });
        expect(s.errors).toEqual([]);
        const leader = s.tasks.find((t) => t.pid === p.pid)!;
        const thread = s.tasks.find((t) => t.tgid === p.pid && t.pid !== p.pid)!;
        expect('zombie' in leader).toBe(false);
        // The process's table, read through the live thread, which shares it, is on the leader's task, as its cwd is.
        expect(leader.fdTable).not.toBe(0);
        expect(thread.fdTable).toBe(leader.fdTable);
        expect(leader.cwd).toBe(process.cwd());
        expect(leader.namespaces.map((n) => n.type)).toContain('net');
        const fds = s.fdTables.find((t) => t.ref === leader.fdTable)!.fds;
        const devnull = s.files.find((f) => f.ref === fds.find((d) => d.fd === fd)?.file);
        expect(devnull).toMatchObject({ kind: 'chardev', path: '/dev/null' });
      }
    } finally {
      await p.stop();
    }
  });
  it('whose thread hangs (a dead NFS mount) is given up on within --timeout, in both readers', async () => {
    for (const reader of ['js', 'native']) {
      const root = join(work, `leader-hang-${reader}`);
      const { code, out, err } = await runHangChild(
        'leader-gone-hang-child.ts',
        [root, reader],
        join(root, '5', 'task', '6', 'fdinfo', '3'),
        10_000,
      );
      expect(code, `${reader}: ${err}`).toBe(0);
      // The leader and its thread, and the record saying the fds were not read.
      expect(out, reader).toBe('captured 2 tasks, errors ETIMEDOUT\n');
    }
  }, 40_000);
});
