/** `ckpt serve` as a user runs it: the URL it prints works, Ctrl-C stops it, bad options are usage errors. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'ckpt-serve-cli-'));
const renderer = join(dir, 'renderer');
mkdirSync(renderer);
writeFileSync(join(renderer, 'index.html'), '<html><head><meta name="ckpt-token" content="" /></head><body>served</body></html>');
const env = { ...process.env, CKPT_HOME: join(dir, 'home'), CKPT_RENDERER_DIR: renderer };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
    const p = spawn(process.execPath, ['bin/ckpt.mjs', 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((ok, fail) => {
      let out = '';
      p.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out);
        if (m) ok(m[1]!);
      });
      p.once('exit', (c) => fail(new Error(`exited ${c}`)));
    });
    const first = await fetch(url, { redirect: 'manual' });
    expect(first.status).toBe(303);
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    const page = await fetch(new URL('/', url), { headers: { Cookie: cookie } });
    expect(await page.text()).toContain('served');
    const token = new URL(url).searchParams.get('token')!;
    const info = await fetch(new URL('/api/app.info', url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Ckpt-Token': token },
      body: '{}',
    });
    expect(((await info.json()) as { result: { home: string } }).result.home).toBe(join(dir, 'home'));
    const code = await new Promise<number | null>((ok) => {
      p.once('exit', ok);
      p.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });
});
