/**
 * A library another process holds the write lock of: a change waits SQLite's
 * busy timeout, then fails saying the library is locked and by whom (as
 * fuser would), never "internal error: database is locked"; and the
 * optional repair at open does not wait at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ckpt, ROOT } from '../cli/run.js';

const home = mkdtempSync(join(tmpdir(), 'ckpt-busy-'));
let holder: ChildProcess;
let id = '';

beforeAll(async () => {
  const c = ckpt(['capture', '--sim', 'web-server', '--store'], { env: { CKPT_HOME: home } });
  expect(c.code, c.err).toBe(0);
  id = c.out.trim().slice(0, 12);
  // Another process in the middle of a long write: it holds the lock until told.
  holder = spawn(
    process.execPath,
    [
      '-e',
      `const D = require(${JSON.stringify(join(ROOT, 'node_modules', 'better-sqlite3'))});
       const db = new D(${JSON.stringify(join(home, 'library.db'))});
       db.exec('BEGIN EXCLUSIVE'); console.log('locked');
       process.stdin.on('data', () => { db.exec('COMMIT'); db.close(); process.exit(0); });`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
});

afterAll(() => {
  holder.kill('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

describe('a library whose write lock another process holds', () => {
  it('a change fails after the wait, naming the lock holder; reads still work', () => {
    const env = { CKPT_HOME: home, CKPT_TEST_BUSY_MS: '300' };
    const t0 = Date.now();
    const r = ckpt(['tag', id, 'x'], { env });
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `ckpt tag: cannot set tags: the library ${home} is locked by another process (still, after 0.3 s: held open by pid ${holder.pid} (`,
    );
    expect(r.err).not.toContain('internal error');
    // One wait, not one for the repair at open and another for the change.
    expect(Date.now() - t0).toBeLessThan(10_000);
    const imp = ckpt(['capture', '--sim', 'pipeline', '--store'], { env });
    expect(imp.code).toBe(1);
    expect(imp.err).toContain(`held open by pid ${holder.pid} (`);
    const list = ckpt(['list'], { env });
    expect(list.code, list.err).toBe(0);
    expect(list.out).toContain(id);
  });

  it('works again once the holder lets go', async () => {
    holder.stdin!.write('go\n');
    await new Promise((r) => holder.once('exit', r));
    const r = ckpt(['tag', id, 'x'], { env: { CKPT_HOME: home } });
    expect(r.code, r.err).toBe(0);
  });
});
