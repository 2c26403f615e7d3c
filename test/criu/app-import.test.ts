/**
 * A checkpoint archive given to the app (library.import takes a file's
 * bytes, as the Library's import button and a drop send them): converted
 * as `ckpt import ARCHIVE` converts it, named by the file the user gave.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../src-main/api/handlers.js';
import type { ImageOverview, ImageSummary } from '../../src-shared/api/results.js';
import { dispatcher } from '../api/dispatch.js';
import { haveCrit, writeDump } from './dump-fixture.js';

const skip = !haveCrit() && !process.env.CI;

let root: string;
let backend: Backend;
const { call, fail } = dispatcher(() => backend);

beforeAll(() => {
  if (skip) return;
  root = mkdtempSync(join(tmpdir(), 'ckpt-criu-app-'));
  const podman = join(root, 'podman');
  writeDump(join(podman, 'checkpoint'));
  writeFileSync(join(podman, 'config.dump'), JSON.stringify({ id: 'f00', name: 'web-1', checkpointedTime: '2026-11-20T10:11:12Z' }));
  execFileSync('tar', ['czf', join(root, 'web.tar.gz'), '-C', podman, '.']);
  execFileSync('tar', ['cf', join(root, 'plain.tar'), '-C', podman, 'checkpoint']);
  backend = createBackend({ home: join(root, 'home'), host: 'browser', emit: () => undefined, log: () => undefined });
});
afterAll(async () => {
  await backend?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const data = (f: string) => readFileSync(join(root, f)).toString('base64');

/**
 * `fn` with the temporary directory (os.tmpdir(), which the host copies an
 * archive into) a fresh one of this test's: whatever is left there is this
 * test's, not another test file's running beside it.
 */
async function inPrivateTmp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(root, 'tmp-'));
  const old = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    return await fn(dir);
  } finally {
    if (old === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = old;
  }
}

describe.skipIf(skip)('library.import of a CRIU checkpoint archive', () => {
  it('converts it: source criu, the container name as label, where it came from by the name given', async () => {
    let tmp = '';
    const s = await inPrivateTmp((dir) => {
      tmp = dir;
      return call<ImageSummary>('library.import', { name: 'web.tar.gz', data: data('web.tar.gz') });
    });
    expect(s.source).toBe('criu');
    expect(s.label).toBe('web-1');
    expect(s.captureTime).toBe(Date.parse('2026-11-20T10:11:12Z'));
    expect(s.taskCount).toBe(6);
    expect(s.fdCount).toBe(22);
    expect(s.options).toMatchObject({ criu: 'web.tar.gz:checkpoint', 'criu.archive': 'web.tar.gz', 'criu.container': 'web-1' });
    const o = await call<ImageOverview>('image.open', { id: s.id });
    expect(o.errors.map((e) => String(e.where))).toEqual(['web.tar.gz:checkpoint/files.img']);
    // The temporary copy is gone.
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('a tar without container name is labelled by its file name', async () => {
    const s = await call<ImageSummary>('library.import', { name: 'plain.tar', data: data('plain.tar') });
    expect(s.source).toBe('criu');
    expect(s.label).toBe('plain');
  });

  it('a damaged archive is an image error naming the file given, and adds nothing', async () => {
    const n = (await call<{ total: number }>('library.list', {})).total;
    const whole = readFileSync(join(root, 'web.tar.gz'));
    let tmp = '';
    const e = await inPrivateTmp((dir) => {
      tmp = dir;
      return fail('library.import', { name: 'cut.tar.gz', data: whole.subarray(0, whole.length >> 1).toString('base64') });
    });
    expect(e.code).toBe('image-error');
    expect(e.message).toMatch(/^cut\.tar\.gz: not imported: cut\.tar\.gz/);
    expect(e.message).not.toContain(tmp);
    expect(readdirSync(tmp)).toEqual([]); // the copy is gone after a failure too
    expect((await call<{ total: number }>('library.list', {})).total).toBe(n);
  });
});
