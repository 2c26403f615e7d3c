/** `ckpt serve` as a user runs it: the URL it prints works, Ctrl-C stops it, bad options are usage errors. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { simulate } from '../../src-main/sim/index.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';

const dir = mkdtempSync(join(tmpdir(), 'ckpt-serve-cli-'));
const renderer = join(dir, 'renderer');
mkdirSync(renderer);
writeFileSync(join(renderer, 'index.html'), '<html><head><meta name="ckpt-token" content="" /></head><body>served</body></html>');
const env = { ...process.env, CKPT_HOME: join(dir, 'home'), CKPT_RENDERER_DIR: renderer };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts `ckpt serve` (the bundled CLI); resolves its URL, token and what it printed on stderr. */
async function serve(extraEnv: Record<string, string> = {}) {
  const p = spawn(process.execPath, ['bin/ckpt.mjs', 'serve', '--port', '0'], {
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    p.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out);
      if (m) ok(m[1]!);
    });
    p.once('exit', (c) => fail(new Error(`exited ${c}: ${stderr}`)));
  });
  const token = new URL(url).searchParams.get('token')!;
  const call = async (method: string, args: unknown) =>
    (await (
      await fetch(new URL(`/api/${method}`, url), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Ckpt-Token': token },
        body: JSON.stringify(args),
      })
    ).json()) as { ok: boolean; result?: Record<string, unknown>; error?: { message: string } };
  const stop = () =>
    new Promise<number | null>((ok) => {
      p.once('exit', ok);
      p.kill('SIGTERM');
    });
  return { url, token, call, stop, stderr: () => stderr };
}

describe('ckpt serve', () => {
  it('refuses arguments and bad ports with usage errors', () => {
    const a = spawnSync(process.execPath, ['bin/ckpt.mjs', 'serve', 'extra'], { env, encoding: 'utf8' });
    expect(a.status).toBe(2);
    expect(a.stderr).toContain('serve takes no arguments');
    const b = spawnSync(process.execPath, ['bin/ckpt.mjs', 'serve', '--port', '70000'], { env, encoding: 'utf8' });
    expect(b.status).toBe(2);
    expect(b.stderr).toContain('--port');
  });

  it('prints a loopback URL with a token that opens the app, and stops on SIGTERM', async () => {
    const { url, call, stop } = await serve();
    const first = await fetch(url, { redirect: 'manual' });
    expect(first.status).toBe(303);
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    const page = await fetch(new URL('/', url), { headers: { Cookie: cookie } });
    expect(await page.text()).toContain('served');
    expect(((await call('app.info', {})).result as { home: string }).home).toBe(join(dir, 'home'));
    expect(await stop()).toBe(0);
  });

  it('answers app.info and library.list while a large library.import waits on the write lock (the import runs on a worker)', async () => {
    const home = join(dir, 'home-import');
    const srv = await serve({ CKPT_HOME: home });
    try {
      expect((await srv.call('library.list', {})).ok).toBe(true);
      // ~100,000 fds, several MB: well above what imports on the host's thread.
      const bytes = encodeSnapshot(simulate({ scenario: 'large', seed: 4, processes: 100, fds: 1000 }));
      const db = new Database(join(home, 'library.db'));
      db.prepare('BEGIN IMMEDIATE').run();
      let settled = false;
      const imp = srv.call('library.import', { name: 'fleet.ckpt', data: bytes.toString('base64') }).finally(() => (settled = true));
      // While this process holds the lock the import cannot finish; on the
      // host's thread it would have held the server in SQLite's busy handler.
      for (let i = 0; i < 3; i++) {
        expect((await srv.call('app.info', {})).ok).toBe(true);
        expect((await srv.call('library.list', {})).result!.total).toBe(0);
      }
      expect(settled).toBe(false);
      db.prepare('ROLLBACK').run();
      db.close();
      const r = await imp;
      expect(r.ok).toBe(true);
      expect(r.result!.label).toBe('fleet');
      expect((await srv.call('library.list', {})).result!.total).toBe(1);
      expect(srv.stderr()).not.toContain('did not start');
    } finally {
      expect(await srv.stop()).toBe(0);
    }
  });
});
