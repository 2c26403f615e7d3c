/**
 * The API handlers against a real store in a temporary home: what the UI
 * does (capture, list, open, page, inspect, rename, delete) and what a
 * hostile or careless caller does (bad arguments, unknown ids, corrupt
 * images), each answered with a typed error and the backend still up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../src-main/api/handlers.js';
import { METHOD_NAMES, type ApiEvent } from '../../src-shared/api/contract.js';
import { METHOD_LIST, TAG_CHARS_MAX } from '../../src-shared/api/methods.js';
import type {
  CaptureResult,
  FileDetail,
  ImageOverview,
  LibraryList,
  Page,
  FdRow,
  RecordRow,
  RecordBytes,
  ImageSummary,
  ProcessInfo,
} from '../../src-shared/api/results.js';
import { simulate } from '../../src-main/sim/index.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { FIELDS } from '../../src-renderer/lib/query-help.js';
import { dispatcher } from './dispatch.js';

let home: string;
let backend: Backend;
const events: ApiEvent[] = [];

const { call, fail } = dispatcher(() => backend);

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'ckpt-api-'));
  backend = createBackend({ home, host: 'browser', emit: (e) => events.push(e), log: () => undefined });
});
afterAll(async () => {
  await backend.close();
  rmSync(home, { recursive: true, force: true });
});

describe('contract', () => {
  it('the preload list and the schema table name the same methods', () => {
    expect([...METHOD_LIST].sort()).toEqual([...METHOD_NAMES].sort());
  });
});

describe('capture, library and inspector', () => {
  let cap: CaptureResult;

  it('captures a simulation into the library and reports progress', async () => {
    cap = await call<CaptureResult>('capture.run', {
      source: 'sim',
      scenario: 'web-server',
      seed: 3,
      label: 'nginx test',
      captureId: 'c1',
    });
    expect(cap.image.label).toBe('nginx test');
    expect(cap.image.taskCount).toBeGreaterThan(2);
    const phases = events.filter((e) => e.type === 'capture.progress' && e.captureId === 'c1').map((e) => (e as { phase: string }).phase);
    expect(phases).toContain('done');
    expect(events.some((e) => e.type === 'library.changed' && e.ids.includes(cap.image.id))).toBe(true);
    const list = await call<LibraryList>('library.list', {});
    expect(list.images.map((i) => i.id)).toContain(cap.image.id);
  });

  it("names who holds a connected socket's other end when the image has it", async () => {
    const ev = await call<CaptureResult>('capture.run', {
      source: 'sim',
      scenario: 'everything',
      seed: 1,
      label: 'peers',
      captureId: 'c-peers',
    });
    const ov = await call<ImageOverview>('image.open', { id: ev.image.id });
    const sink = ov.tasks.find((t) => t.pid === 6000)!;
    const fds = await call<Page<FdRow>>('image.fds', { id: ev.image.id, table: sink.fdTable, offset: 0, limit: 1000 });
    const pairEnd = fds.rows.find((r) => r.fd === 14)!;
    expect(pairEnd.target).toMatch(/^unix stream \[100007\] .* peer \[100008\]$/);
    const f = await call<FileDetail>('image.file', { id: ev.image.id, ref: pairEnd.file });
    expect(f.otherEnds).toHaveLength(1);
    expect(f.otherEnds[0]!.description).toMatch(/^unix stream \[100008\] .* peer \[100007\]$/);
    expect(f.otherEnds[0]!.holders.map((h) => [h.pid, h.fd])).toEqual([[6001, 14]]);
    // A listening socket has no other end.
    const listening = fds.rows.find((r) => r.kind === 'inet-socket' && / LISTEN( |$)/.test(r.target))!;
    expect((await call<FileDetail>('image.file', { id: ev.image.id, ref: listening.file })).otherEnds).toEqual([]);
    // Each row says whether its file was deleted (the badge), not left to a name that may end in " (deleted)".
    const all = (
      await Promise.all(ov.tables.map((t) => call<Page<FdRow>>('image.fds', { id: ev.image.id, table: t.ref, offset: 0, limit: 1000 })))
    ).flatMap((p) => p.rows);
    const deleted = all.filter((r) => r.deleted);
    expect(deleted.length).toBeGreaterThan(0);
    for (const r of all) expect(r.deleted, r.target).toBe(r.target.endsWith(' (deleted)'));
  });

  it('opens the image: tree, tables, counts', async () => {
    const ov = await call<ImageOverview>('image.open', { id: cap.image.id });
    expect(ov.tasks.length).toBe(cap.image.taskCount);
    expect(ov.counts.fds).toBe(cap.image.fdCount);
    const master = ov.tasks.find((t) => t.comm === 'nginx' && t.ppid === 1)!;
    expect(master.fdTable).toBeGreaterThan(0);
    expect(master.record).toBeGreaterThan(0);
  });

  it('pages fds and shows every holder of a shared file', async () => {
    const ov = await call<ImageOverview>('image.open', { id: cap.image.id });
    const master = ov.tasks.find((t) => t.comm === 'nginx' && t.ppid === 1)!;
    const page = await call<Page<FdRow>>('image.fds', { id: cap.image.id, table: master.fdTable, offset: 0, limit: 3 });
    expect(page.rows.length).toBe(3);
    expect(page.total).toBe(master.fdCount);
    const all = await call<Page<FdRow>>('image.fds', { id: cap.image.id, table: master.fdTable, offset: 0, limit: 1000 });
    // The listening socket on :80 is inherited by every worker.
    const shared = all.rows.find((r) => r.kind === 'inet-socket' && r.holders > 1)!;
    expect(shared).toBeDefined();
    expect(shared.flagNames[0]).toMatch(/^O_/);
    const f = await call<FileDetail>('image.file', { id: cap.image.id, ref: shared.file });
    const pids = new Set(f.holders.map((h) => h.pid));
    expect(pids.size).toBe(shared.holders);
    expect(pids.has(master.pid)).toBe(true);
    expect(f.attrLabels.length).toBeGreaterThan(0);
    // Each holder points at its FILE_DESC record, which names the same file.
    for (const h of f.holders) {
      const recs = await call<Page<RecordRow>>('image.records', { id: cap.image.id, offset: h.record, limit: 1 });
      expect(recs.rows[0]!.typeName).toBe('FILE_DESC');
      expect(recs.rows[0]!.file).toBe(shared.file);
      expect(recs.rows[0]!.fd).toBe(h.fd);
    }
  });

  it('serves records and the exact bytes of one', async () => {
    const recs = await call<Page<RecordRow>>('image.records', { id: cap.image.id, offset: 0, limit: 5000 });
    expect(recs.rows[0]!.typeName).toBe('HEADER');
    expect(recs.rows[0]!.note).toContain('sim capture');
    expect(recs.rows.at(-1)!.typeName).toBe('TAIL');
    expect(recs.rows.at(-1)!.note).toContain(`${recs.total - 1} records`);
    expect(recs.total).toBe(recs.rows.length);
    const b = await call<RecordBytes>('image.recordBytes', { id: cap.image.id, index: 0 });
    // Record header: type 1 (HEADER) little-endian, then the length; then the magic.
    expect(b.hex.slice(0, 8)).toBe('01000000');
    expect(b.hex.slice(16, 32)).toBe('89434b50540d0a1a');
    expect(b.offset).toBe(0);
  });

  it('renames, tags, notes and deletes', async () => {
    const r = await call<ImageSummary>('library.setLabel', { id: cap.image.id, label: 'renamed' });
    expect(r.label).toBe('renamed');
    const t = await call<ImageSummary>('library.setTags', { id: cap.image.id, tags: ['prod', 'nginx'] });
    expect([...t.tags].sort()).toEqual(['nginx', 'prod']);
    const n = await call<ImageSummary>('library.setNote', { id: cap.image.id, note: 'before the deploy' });
    expect(n.note).toBe('before the deploy');
    const d = await call<{ deleted: number }>('library.delete', { ids: [cap.image.id] });
    expect(d.deleted).toBe(1);
    expect((await fail('image.open', { id: cap.image.id })).code).toBe('not-found');
  });

  it('imports image bytes, and refuses bytes that are not an image', async () => {
    const bytes = encodeSnapshot(simulate({ scenario: 'pipeline', seed: 2, time: 1_700_000_000_000 }));
    const s = await call<ImageSummary>('library.import', { name: 'pipe.ckpt', data: Buffer.from(bytes).toString('base64') });
    expect(s.label).toBe('pipe');
    const bad = await fail('library.import', { name: 'junk.ckpt', data: Buffer.from('not an image at all').toString('base64') });
    expect(bad.code).toBe('image-error');
    expect(bad.message).toContain('junk.ckpt');
    const cut = await fail('library.import', {
      name: 'cut.ckpt',
      data: Buffer.from(bytes.subarray(0, bytes.length - 9)).toString('base64'),
    });
    expect(cut.code).toBe('image-error');
  });
});

describe('bad arguments are typed errors, never a crash', () => {
  const cases: [string, unknown][] = [
    ['image.open', {}],
    ['image.open', { id: 42 }],
    ['image.open', { id: '' }],
    ['image.open', { id: 'x', extra: 1 }],
    ['image.fds', { id: 'x', table: -1, offset: 0, limit: 10 }],
    ['image.fds', { id: 'x', table: 1, offset: 0, limit: 1e9 }],
    ['image.records', { id: 'x', offset: 1.5, limit: 10 }],
    ['library.setTags', { id: 'x', tags: 'prod' }],
    ['library.delete', { ids: [] }],
    ['library.import', { name: 'a.ckpt', data: '***' }],
    ['capture.run', { source: 'sim' }],
    ['capture.run', { source: 'elsewhere', scenario: 'x' }],
    ['capture.run', { source: 'proc', pids: [] }],
    ['library.list', null],
    ['library.list', 'text'],
    ['library.list', [1, 2]],
  ];
  for (const [m, a] of cases) {
    it(`${m} ${JSON.stringify(a)}`, async () => {
      const e = await fail(m, a);
      expect(e.code).toBe('bad-argument');
      expect(e.message).toContain(m);
    });
  }
  it('a tag is checked by the one rule the store keeps, before the store is asked', async () => {
    const cap = await call<CaptureResult>('capture.run', { source: 'sim', scenario: 'pipeline' });
    const longest = 'x'.repeat(TAG_CHARS_MAX);
    expect((await call<ImageSummary>('library.setTags', { id: cap.image.id, tags: [longest] })).tags).toEqual([longest]);
    for (const bad of ['x'.repeat(TAG_CHARS_MAX + 1), 'two words', 'a,b', '']) {
      const e = await fail('library.setTags', { id: cap.image.id, tags: [bad] });
      expect(e.code).toBe('bad-argument');
      expect(e.message).toContain(`1-${TAG_CHARS_MAX} characters`);
    }
    // Refused whole: the tag set before stays.
    const list = await call<LibraryList>('library.list', {});
    expect(list.images.find((s) => s.id === cap.image.id)?.tags).toEqual([longest]);
  });
  it('unknown methods and prototype names are refused', async () => {
    for (const m of ['nope', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 42])
      expect((await fail(m as string, {})).code).toBe('unknown-method');
  });
  it('unknown scenario, image and record are named in the error', async () => {
    const e = await fail('capture.run', { source: 'sim', scenario: 'nope' });
    expect(e.code).toBe('bad-argument');
    expect(e.message).toContain('nope');
    expect((await fail('image.open', { id: 'deadbeefdeadbeef' })).code).toBe('not-found');
    const cap = await call<CaptureResult>('capture.run', { source: 'sim', scenario: 'pipeline' });
    const r = await fail('image.recordBytes', { id: cap.image.id, index: 1_000_000 });
    expect(r.code).toBe('not-found');
    expect((await fail('image.file', { id: cap.image.id, ref: 999_999 })).code).toBe('not-found');
    expect((await fail('image.fds', { id: cap.image.id, table: 999_999, offset: 0, limit: 1 })).code).toBe('not-found');
  });
  it('the backend still answers after all that', async () => {
    const info = await call<{ features: string[] }>('app.info', {});
    expect(info.features).toContain('inspector');
  });
});

describe('live capture', () => {
  it('captures a process this test started, with its open file visible in the inspector', async () => {
    const { spawn } = await import('node:child_process');
    const { writeFileSync } = await import('node:fs');
    const marker = join(home, 'held-open-by-child.txt');
    writeFileSync(marker, 'x');
    // A child holding the marker file open on fd 7 until we kill it.
    const child = spawn('/bin/sh', ['-c', `exec 7<"${marker}"; exec sleep 30`], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const procs = await call<{ processes: ProcessInfo[]; liveCaptureUnavailable: string | null }>('capture.processes', {});
      expect(procs.liveCaptureUnavailable).toBeNull();
      const listed = procs.processes.find((p) => p.pid === child.pid);
      expect(listed?.fdCount).toBeGreaterThanOrEqual(4);
      expect(listed).toMatchObject({ ppid: process.pid, comm: 'sleep', cmdline: 'sleep 30', uid: process.getuid!() });
      expect(procs.processes.map((p) => p.pid)).toEqual([...procs.processes.map((p) => p.pid)].sort((a, b) => a - b));
      const cap = await call<CaptureResult>('capture.run', {
        source: 'proc',
        pids: [child.pid!],
        tree: false,
        freeze: false,
        label: 'live child',
      });
      expect(cap.image.source).toBe('proc');
      expect(cap.image.label).toBe('live child');
      const ov = await call<ImageOverview>('image.open', { id: cap.image.id });
      const t = ov.tasks.find((x) => x.pid === child.pid)!;
      const fds = await call<Page<FdRow>>('image.fds', { id: cap.image.id, table: t.fdTable, offset: 0, limit: 100 });
      const fd7 = fds.rows.find((r) => r.fd === 7)!;
      expect(fd7.target).toContain('held-open-by-child.txt');
      expect(fd7.flagNames).toContain('O_RDONLY');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a pid that does not exist is an error or a recorded capture error, never a crash', async () => {
    const r = await backend.dispatch('capture.run', { source: 'proc', pids: [4_000_000], tree: false, freeze: false });
    if (r.ok) expect((r.result as CaptureResult).errors).toBeGreaterThan(0);
    else expect(['capture-error', 'bad-argument']).toContain(r.error.code);
  });
});

describe('image.task', () => {
  it('gives the full task (command line, cwd, namespaces) that the tree rows leave out', async () => {
    const cap = await call<CaptureResult>('capture.run', { source: 'sim', scenario: 'threads' });
    const ov = await call<ImageOverview>('image.open', { id: cap.image.id });
    const java = ov.tasks.find((t) => t.comm === 'java')!;
    expect(java).not.toHaveProperty('cmdline');
    const d = await call<{ cmdline: unknown[]; cwd: unknown; namespaces: unknown[]; pid: number; record: number }>('image.task', {
      id: cap.image.id,
      pid: java.pid,
    });
    expect(d.pid).toBe(java.pid);
    expect(d.cmdline.length).toBeGreaterThan(0);
    expect(d.record).toBe(java.record);
    expect((await fail('image.task', { id: cap.image.id, pid: 99_999 })).code).toBe('not-found');
  });
});

describe('every kind, hostile names, damaged bytes', () => {
  it('serves every fd and every file of the "everything" scenario', async () => {
    const cap = await call<CaptureResult>('capture.run', { source: 'sim', scenario: 'everything', seed: 4 });
    const ov = await call<ImageOverview>('image.open', { id: cap.image.id });
    const kinds = new Set<string>();
    let fds = 0;
    for (const t of ov.tables) {
      const page = await call<Page<FdRow>>('image.fds', { id: cap.image.id, table: t.ref, offset: 0, limit: 5000 });
      fds += page.rows.length;
      for (const r of page.rows) {
        kinds.add(r.kind);
        // Display text never carries raw control or bidi characters.
        // eslint-disable-next-line no-control-regex
        expect(r.target).not.toMatch(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/);
        const f = await call<FileDetail>('image.file', { id: cap.image.id, ref: r.file });
        expect(f.holders.some((h) => h.record === r.record)).toBe(true);
      }
    }
    expect(fds).toBe(ov.counts.fds);
    expect(kinds.size).toBeGreaterThan(15);
    for (let i = 0; i < ov.counts.records; i += 37) await call<RecordBytes>('image.recordBytes', { id: cap.image.id, index: i });
  });

  it('an image damaged on disk after import opens as an image-error naming the offset', async () => {
    const { Store } = await import('../../src-main/store/index.js');
    const { chmodSync, readFileSync, writeFileSync } = await import('node:fs');
    const cap = await call<CaptureResult>('capture.run', { source: 'sim', scenario: 'database', seed: 9 });
    const st = Store.open(home);
    const path = st.imagePath(cap.image.id);
    st.close();
    const bytes = readFileSync(path);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    chmodSync(path, 0o644);
    writeFileSync(path, bytes);
    const e = await fail('image.open', { id: cap.image.id });
    expect(e.code).toBe('image-error');
    expect(e.message).toMatch(/at byte \d+/);
    expect((await call<LibraryList>('library.list', {})).images.length).toBeGreaterThan(0);
  });
});

describe('fd filter', () => {
  it('keeps the fds whose number, kind, target or flag matches, with their unfiltered positions', async () => {
    const cap = await call<CaptureResult>('capture.run', { source: 'sim', scenario: 'web-server', seed: 3 });
    const ov = await call<ImageOverview>('image.open', { id: cap.image.id });
    const master = ov.tasks.find((t) => t.ppid === 1)!;
    const all = await call<Page<FdRow>>('image.fds', { id: cap.image.id, table: master.fdTable, offset: 0, limit: 1000 });
    for (const q of ['inet-socket', 'O_NONBLOCK', 'nonblock', 'nginx', '2', 'zzz-nothing']) {
      const got = await call<Page<FdRow>>('image.fds', { id: cap.image.id, table: master.fdTable, offset: 0, limit: 1000, query: q });
      const want = all.rows.filter(
        (r) =>
          String(r.fd) === q ||
          r.kind.includes(q.toLowerCase()) ||
          r.target.toLowerCase().includes(q.toLowerCase()) ||
          r.flagNames.some((n) => n.toLowerCase() === q.toLowerCase() || n.toLowerCase() === `o_${q.toLowerCase()}`),
      );
      expect(
        got.rows.map((r) => r.fd),
        q,
      ).toEqual(want.map((r) => r.fd));
      expect(got.total).toBe(want.length);
      for (const r of got.rows) expect(all.rows[r.position]!.fd).toBe(r.fd);
    }
    const paged = await call<Page<FdRow>>('image.fds', {
      id: cap.image.id,
      table: master.fdTable,
      offset: 1,
      limit: 1,
      query: 'inet-socket',
    });
    expect(paged.rows.length).toBe(1);
    expect(paged.offset).toBe(1);
  });
});

describe('search, diff, timeline and reports through the API', () => {
  it('answers each from the store, and refuses bad input with a typed error', async () => {
    const a = await call<CaptureResult>('capture.run', { source: 'sim', scenario: 'leaky', step: 1, label: 'leak 1' });
    const b = await call<CaptureResult>('capture.run', { source: 'sim', scenario: 'leaky', step: 4, label: 'leak 4' });
    const s = await call<{ hitCount: number; groups: { image: { id: string }; hits: { kind: string }[] }[] }>('search.run', {
      query: 'kind:inet-socket',
    });
    expect(s.hitCount).toBeGreaterThan(0);
    expect(s.groups.map((g) => g.image.id)).toEqual(expect.arrayContaining([a.image.id, b.image.id]));
    expect(new Set(s.groups.flatMap((g) => g.hits.map((h) => h.kind)))).toEqual(new Set(['inet-socket']));
    const d = await call<{ summary: { fdsOpened: number }; a: { id: string }; b: { id: string } }>('diff.run', {
      a: a.image.id,
      b: b.image.id,
    });
    expect(d.a.id).toBe(a.image.id);
    expect(d.summary.fdsOpened).toBeGreaterThan(0);
    const t = await call<{ points: unknown[] }>('timeline.get', { ids: [a.image.id, b.image.id] });
    expect(t.points.length).toBe(2);
    const r = await call<{ text: string; suggestedName: string }>('report.export', {
      request: { what: 'diff', a: a.image.id, b: b.image.id },
      format: 'md',
    });
    expect(r.text.length).toBeGreaterThan(0);
    expect(r.suggestedName).toMatch(/\.md$/);

    const q = await fail('search.run', { query: 'kind:' });
    expect(q.code).toBe('bad-argument');
    expect((await fail('timeline.get', { label: 'x', tag: 'y' })).message).toContain('exactly one');
    expect((await fail('timeline.get', {})).code).toBe('bad-argument');
    expect((await fail('report.export', { request: { what: 'image', id: a.image.id }, format: 'docx' })).code).toBe('bad-argument');
    expect((await fail('diff.run', { a: a.image.id, b: 'ffffffffffff' })).code).toBe('not-found');
  });
});

describe('the search help', () => {
  it('names exactly the fields the query parser knows, and each example is a query search.run accepts', async () => {
    const e = await fail('search.run', { query: 'nosuchfield:x' });
    expect(e.code).toBe('bad-argument');
    const known = /known: ([a-z, ]*)/.exec(e.message)?.[1]?.trim().split(', ');
    expect(known?.sort()).toEqual(FIELDS.map((f) => f.name).sort());
    for (const f of FIELDS) {
      const r = await backend.dispatch('search.run', { query: f.example });
      expect(r.ok ? 'ok' : r.error.message, f.example).toBe('ok');
    }
  });
});

describe('image.locate', () => {
  it('finds the table, row and FILE_DESC record of a (pid, fd)', async () => {
    const cap = await call<CaptureResult>('capture.run', { source: 'sim', scenario: 'pipeline', seed: 8 });
    const ov = await call<ImageOverview>('image.open', { id: cap.image.id });
    for (const t of ov.tasks.filter((x) => x.fdTable)) {
      const page = await call<Page<FdRow>>('image.fds', { id: cap.image.id, table: t.fdTable, offset: 0, limit: 1000 });
      for (const r of page.rows) {
        const loc = await call<{ table: number; position: number; record: number; file: number }>('image.locate', {
          id: cap.image.id,
          pid: t.pid,
          fd: r.fd,
        });
        expect(loc).toMatchObject({ table: t.fdTable, position: r.position, record: r.record, file: r.file });
      }
    }
    expect((await fail('image.locate', { id: cap.image.id, pid: ov.tasks[0]!.pid, fd: 9999 })).message).toContain('no fd 9999');
  });
});
