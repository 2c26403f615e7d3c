/**
 * The open file pane of a file held by thousands of fds: image.file names
 * the first FILE_HOLDERS_FIRST holders and counts them all (and the
 * processes), image.holders pages through every one in the same order.
 * The image: a process that dup()ed a listening socket 1,500 times and a
 * pipe's write end 1,000 times, shares its fd table with a CLONE_FILES
 * process and a thread, and forked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../src-main/api/handlers.js';
import { FILE_HOLDERS_FIRST } from '../../src-shared/api/methods.js';
import type { FileDetail, FileHolder, ImageOverview, ImageSummary, Page } from '../../src-shared/api/results.js';
import type { Snapshot } from '../../src-shared/model/index.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { newBuilder } from '../../src-main/sim/scenarios.js';
import { stdNull, tcpListen } from '../../src-main/sim/common.js';
import { simHeader, T0 } from '../store/helpers.js';
import { dispatcher } from './dispatch.js';

let home: string;
let backend: Backend;
const { call, fail } = dispatcher(() => backend, { asJson: true });

function leak(): Snapshot {
  const b = newBuilder('holders', 1);
  const app = b.process({ pid: 100, ppid: 1, comm: 'app', cmdline: ['app'] });
  stdNull(app); // 0-2
  const sock = tcpListen(app, '127.0.0.1', 8080, 4); // 3
  const [, w] = app.pipe(); // 4, 5
  for (let i = 0; i < 1500; i++) app.dup(sock, { cloexec: i % 2 === 1 });
  for (let i = 0; i < 1000; i++) app.dup(w);
  app.clone(101); // a thread: its process holds each fd once
  app.clone(300, { process: true, comm: 'worker' }); // CLONE_FILES: a second process on the same table
  app.fork({ pid: 200, comm: 'child', cmdline: ['child'] });
  return b.snapshot(simHeader(T0));
}

/** Every holder of `ref` as the pane listed them before it was paged: each table in order, each fd in it, once per process using it. */
function everyHolder(s: Snapshot, ref: number): { pid: number; fd: number; position: number; cloexec: boolean }[] {
  const out: { pid: number; fd: number; position: number; cloexec: boolean }[] = [];
  for (const t of s.fdTables) {
    const pids = [...new Set(s.tasks.filter((x) => x.fdTable === t.ref).map((x) => x.tgid))];
    t.fds.forEach((d, position) => {
      if (d.file === ref) for (const pid of pids) out.push({ pid, fd: d.fd, position, cloexec: d.cloexec });
    });
  }
  return out;
}

const brief = (h: FileHolder) => ({ pid: h.pid, fd: h.fd, position: h.position, cloexec: h.cloexec });

let snap: Snapshot;
let id: string;
let sockRef: number;
let writeRef: number;
let readRef: number;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'ckpt-holders-api-'));
  backend = createBackend({ home, host: 'browser', emit: () => undefined, log: () => undefined });
  snap = leak();
  const fdFile = (fd: number) => snap.fdTables[0]!.fds.find((d) => d.fd === fd)!.file;
  [sockRef, readRef, writeRef] = [fdFile(3), fdFile(4), fdFile(5)];
  id = (await call<ImageSummary>('library.import', { name: 'leak.ckpt', data: Buffer.from(encodeSnapshot(snap)).toString('base64') })).id;
  await call<ImageOverview>('image.open', { id });
});
afterAll(async () => {
  await backend.close();
  rmSync(home, { recursive: true, force: true });
});

describe('holders of a file held by thousands of fds', () => {
  it('image.file names the first holders and counts every one, and the processes', async () => {
    const all = everyHolder(snap, sockRef);
    // 1,501 fds in the table of 100 and 300, and the same 1,501 in 200's copy.
    expect(all.length).toBe(1501 * 3);
    const f = await call<FileDetail>('image.file', { id, ref: sockRef });
    expect(f.holderCount).toBe(all.length);
    expect(f.holderProcesses).toBe(3);
    expect(f.holders.map(brief)).toEqual(all.slice(0, FILE_HOLDERS_FIRST));
    // Each holder still leads to its fd's FILE_DESC record.
    expect(f.holders.every((h) => h.record > 0)).toBe(true);
    expect(f.holders[0]!.comm).toBe('app');
    expect(f.holders[1]!.comm).toBe('worker');
  });

  it('image.holders pages through every holder in the same order, a page ending inside a table shared by two processes', async () => {
    const all = everyHolder(snap, sockRef);
    const got: FileHolder[] = [];
    for (let offset = 0; offset < all.length; offset += 777) {
      const p = await call<Page<FileHolder>>('image.holders', { id, ref: sockRef, offset, limit: 777 });
      expect(p.total).toBe(all.length);
      expect(p.offset).toBe(offset);
      got.push(...p.rows);
    }
    expect(got.map(brief)).toEqual(all);
    const past = await call<Page<FileHolder>>('image.holders', { id, ref: sockRef, offset: all.length + 10, limit: 5 });
    expect(past).toEqual({ total: all.length, offset: all.length + 10, rows: [] });
  });

  it("a pipe's other end is named the same way: its first holders and how many", async () => {
    const f = await call<FileDetail>('image.file', { id, ref: readRef });
    expect(f.holderCount).toBe(3);
    expect(f.holders).toHaveLength(3);
    expect(f.otherEnds.map((e) => e.ref)).toEqual([writeRef]);
    const end = f.otherEnds[0]!;
    const all = everyHolder(snap, writeRef);
    expect(all.length).toBe(1001 * 3);
    expect(end.holderCount).toBe(all.length);
    expect(end.holders.map(brief)).toEqual(all.slice(0, FILE_HOLDERS_FIRST));
  });

  it('a file with few holders is listed whole, as before', async () => {
    const stdin = snap.fdTables[0]!.fds.find((d) => d.fd === 0)!.file;
    const f = await call<FileDetail>('image.file', { id, ref: stdin });
    const all = everyHolder(snap, stdin);
    expect(all.length).toBeLessThanOrEqual(FILE_HOLDERS_FIRST);
    expect(f.holderCount).toBe(all.length);
    expect(f.holders.map(brief)).toEqual(all);
  });

  it('refuses a page without a bound or of a file the image has not', async () => {
    for (const args of [
      { id, ref: sockRef, offset: 0, limit: 0 },
      { id, ref: sockRef, offset: 0, limit: 5001 },
      { id, ref: sockRef, offset: -1, limit: 10 },
      { id, ref: sockRef, offset: 0 },
      { id, ref: 0, offset: 0, limit: 10 },
    ])
      expect((await fail('image.holders', args)).code).toBe('bad-argument');
    expect((await fail('image.holders', { id, ref: 999_999, offset: 0, limit: 10 })).code).toBe('not-found');
  });
});
