/**
 * The limits through the API, as the Inspector gets them: image.open's
 * per-process fd limits on the tree rows and image.limits' image-level
 * report, against a real store, as JSON (the browser host's transport);
 * an image before format 1.2 reads as not recorded, never as zero.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../src-main/api/handlers.js';
import { LIMIT_PROCESSES } from '../../src-main/api/opened-image.js';
import { decodeImage } from '../../src-main/engine/reader.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { simulate } from '../../src-main/sim/index.js';
import { newBuilder } from '../../src-main/sim/scenarios.js';
import { openFile } from '../../src-main/sim/common.js';
import { FORMAT_MAJOR, FORMAT_MINOR, limitReport } from '../../src-shared/model/index.js';
import { header, pressured } from './limit-scenes.js';
import type { ImageLimits, ImageOverview, ImageSummary, TaskDetail } from '../../src-shared/api/results.js';
import { dispatcher } from './dispatch.js';

let home: string;
let backend: Backend;

/** A call as the browser host answers it: through JSON.stringify, which refuses a bigint. */
const { call, fail } = dispatcher(() => backend, { asJson: true });
async function importBytes(bytes: Uint8Array, name: string): Promise<ImageSummary> {
  return call<ImageSummary>('library.import', { name, data: Buffer.from(bytes).toString('base64') });
}

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'ckpt-api-limits-'));
  backend = createBackend({ home, host: 'browser', emit: () => undefined, log: () => undefined });
});
afterAll(async () => {
  await backend.close();
  rmSync(home, { recursive: true, force: true });
});

describe('a 1.2 image (sim everything)', () => {
  let img: ImageSummary;
  let ov: ImageOverview;
  let lim: ImageLimits;
  const kitchen = simulate({ scenario: 'everything', time: 1_700_000_000_000 });
  beforeAll(async () => {
    img = await importBytes(encodeSnapshot(kitchen), 'kitchen.ckpt');
    ov = await call<ImageOverview>('image.open', { id: img.id });
    lim = await call<ImageLimits>('image.limits', { id: img.id });
  });

  it('image.open carries each process leader its fds against its soft and hard limit', () => {
    const p = ov.tasks.find((t) => t.pid === 6000)!;
    expect(p.fdLimit).toEqual({ fds: p.fdCount, soft: 1024, hard: 524288, used: p.fdCount / 1024, near: false });
    expect(p.fdCount).toBe(38);
    const child = ov.tasks.find((t) => t.pid === 6001)!;
    expect(child.fdCount).toBe(15);
    expect(child.fdLimit).toEqual({ fds: 15, soft: 65536, hard: 524288, used: 15 / 65536, near: false });
  });

  it('the header reaches JSON with fs.file-max (LONG_MAX) as a decimal string, like every u64', () => {
    expect(ov.header.kernelLimits['fs.file-max']).toBe('9223372036854775807');
    expect(typeof ov.header.kernelLimits['fs.nr_open']).toBe('number');
  });

  it('image.limits is limitReport of the image, as JSON', () => {
    expect(lim.processes.map((p) => p.pid)).toEqual(limitReport(kitchen).processes.map((p) => p.pid));
    expect(lim.recorded).toBe(true);
    expect(lim.format).toBe(`${FORMAT_MAJOR}.${FORMAT_MINOR}`);
    expect(lim.processes.map((p) => [p.pid, p.soft, p.hard])).toEqual([
      [6000, 1024, 524288],
      [6001, 65536, 524288],
    ]);
    expect(lim.processes[0]!.comm).toBe('kitchen-sink');
    expect(lim).toMatchObject({ known: 2, unknown: 0, near: 0, warnings: [], moreWarnings: 0 });
    expect(lim.fileHandles.max).toBe('9223372036854775807');
    expect(typeof lim.fileHandles.allocated).toBe('number');
    expect(lim.fileHandles.used).toBeLessThan(1e-9);
    expect(lim.inotify).toMatchObject({ maxInstances: 128, maxWatches: 65536 });
    expect(lim.inotify.users).toEqual([{ uid: 0, instances: 1, watches: 1, instancesUsed: 1 / 128, watchesUsed: 1 / 65536 }]);
    expect(Object.keys(lim.kernel).sort()).toEqual(Object.keys(ov.header.kernelLimits).sort());
  });

  it('image.task carries the same limit to the process pane', async () => {
    const t = await call<TaskDetail>('image.task', { id: img.id, pid: 6001 });
    expect(t.fdLimit).toEqual(ov.tasks.find((x) => x.pid === 6001)!.fdLimit);
  });

  it('refuses bad arguments and unknown images as the other image methods do', async () => {
    for (const args of [{}, { id: 42 }, { id: '' }, { id: img.id, extra: 1 }])
      expect((await fail('image.limits', args)).code).toBe('bad-argument');
    expect((await fail('image.limits', { id: 'deadbeefdeadbeef' })).code).toBe('not-found');
  });
});

describe('a machine under pressure', () => {
  let img: ImageSummary;
  let lim: ImageLimits;
  const bytes = pressured();
  beforeAll(async () => {
    img = await importBytes(bytes, 'pressured.ckpt');
    lim = await call<ImageLimits>('image.limits', { id: img.id });
  });

  it('ranks, marks near and words the warnings as limitReport does', () => {
    const r = limitReport(decodeImage(Buffer.from(bytes)));
    expect(lim.processes.map((p) => p.pid)).toEqual(r.processes.map((p) => p.pid));
    expect(lim.processes[0]).toMatchObject({ pid: 300, fds: 2, soft: 2, hard: 2, used: 1, near: true });
    expect(lim.processes.find((p) => p.pid === 200)).toMatchObject({ fds: 9, soft: 10, used: 0.9, near: true });
    expect(lim.processes.find((p) => p.pid === 100)).toMatchObject({ soft: null, hard: null, used: null, near: false });
    expect(lim.near).toBe(31);
    expect(lim.fileHandles).toEqual({ allocated: 900, max: 1000, used: 0.9 });
    expect(lim.inotify.users).toEqual([{ uid: 1000, instances: 2, watches: 1, instancesUsed: 1, watchesUsed: 0.01 }]);
    // A u64 above 2^53 stays exact.
    expect(lim.kernel['fs.epoll.max_user_watches']).toBe(String(2n ** 60n));
    // The machine's and the user's warnings first, then the first 20 of the 31 processes'; the rest counted.
    expect(lim.warnings.slice(0, 2)).toEqual([
      'the machine has 900 file handles allocated, 90% of fs.file-max 1000',
      'uid 1000 holds 2 inotify instances, 100% of fs.inotify.max_user_instances 2',
    ]);
    expect(lim.warnings.slice(2)).toEqual(r.processWarnings.slice(0, 20));
    expect(lim.warnings[2]).toBe('process 300 holds 2 fds, at or over its soft limit of 2');
    expect(lim.moreWarnings).toBe(11);
  });

  it('the tree rows mark the processes near their limit', async () => {
    const ov = await call<ImageOverview>('image.open', { id: img.id });
    expect(ov.tasks.filter((t) => t.fdLimit?.near).length).toBe(31);
    expect(ov.tasks.find((t) => t.pid === 100)!.fdLimit).toMatchObject({ soft: null, near: false });
  });

  it('lists at most LIMIT_PROCESSES processes and counts them all', async () => {
    const b = newBuilder('many', 1);
    for (let i = 0; i < LIMIT_PROCESSES + 5; i++) openFile(b.process({ pid: 1000 + i, ppid: 1, comm: 'm', cmdline: ['m'] }), '/m');
    const many = await importBytes(encodeSnapshot(b.snapshot(header({}))), 'many.ckpt');
    const l = await call<ImageLimits>('image.limits', { id: many.id });
    expect(l.processes.length).toBe(LIMIT_PROCESSES);
    expect(l.known).toBe(LIMIT_PROCESSES + 5);
    // A 1.2 image whose /proc/sys could not be read: the machine's limits are not recorded, the processes' are.
    expect(l.recorded).toBe(true);
    expect(l.fileHandles).toEqual({ allocated: null, max: null, used: null });
    expect(l.inotify).toEqual({ maxInstances: null, maxWatches: null, users: [] });
  });
});

describe('an image from before format 1.2', () => {
  let img: ImageSummary;
  beforeAll(async () => {
    img = await importBytes(readFileSync(join(__dirname, '..', 'fixtures', 'golden-everything-1.1.ckpt')), 'old.ckpt');
  });

  it('reads as not recorded: null limits, never zeros', async () => {
    const ov = await call<ImageOverview>('image.open', { id: img.id });
    expect(ov.header.formatMinor).toBe(1);
    expect(ov.header.kernelLimits).toEqual({});
    expect(ov.tasks.map((t) => [t.pid, t.fdLimit])).toEqual([
      [6000, null],
      [6001, null],
    ]);
    const lim = await call<ImageLimits>('image.limits', { id: img.id });
    expect(lim).toEqual({
      recorded: false,
      format: '1.1',
      nearShare: 0.8,
      processes: [],
      known: 0,
      unknown: 2,
      near: 0,
      fileHandles: { allocated: null, max: null, used: null },
      inotify: {
        maxInstances: null,
        maxWatches: null,
        users: [{ uid: 0, instances: 1, watches: 1, instancesUsed: null, watchesUsed: null }],
      },
      kernel: {},
      warnings: [],
      moreWarnings: 0,
    });
  });
});
