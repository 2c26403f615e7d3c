/**
 * The browser host without a browser: raw HTTP requests (so Host and Origin
 * can be forged) against a real host on a real store.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHost, type BrowserHost } from '../../src-main/host/browser-host.js';

let dir: string;
let host: BrowserHost;

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function req(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Res> {
  return new Promise((ok, fail) => {
    const r = request(
      { host: '127.0.0.1', port: host.port, method, path, headers: { Host: `127.0.0.1:${host.port}`, ...headers } },
      (res) => {
        let b = '';
        res.on('data', (c: Buffer) => (b += c.toString()));
        res.on('end', () => ok({ status: res.statusCode!, headers: res.headers, body: b }));
      },
    );
    r.on('error', fail);
    if (body !== undefined) r.write(body);
    r.end();
  });
}

const api = (m: string, args: unknown, extra: Record<string, string> = {}) =>
  req('POST', `/api/${m}`, { 'Content-Type': 'application/json', 'X-Ckpt-Token': host.token, ...extra }, JSON.stringify(args));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ckpt-host-'));
  const stat = join(dir, 'renderer');
  mkdirSync(stat);
  writeFileSync(join(stat, 'index.html'), '<html><head><meta name="ckpt-token" content="" /></head><body>app</body></html>');
  writeFileSync(join(dir, 'secret.txt'), 'secret');
  host = await startBrowserHost({ home: join(dir, 'home'), staticDir: stat, log: () => undefined, maxBody: 1 << 20 });
});
afterAll(async () => {
  await host.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('browser host', () => {
  it('listens on loopback only, with a long random token', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/);
    expect((host.server.address() as { address: string }).address).toBe('127.0.0.1');
  });

  it('refuses API calls without the right token', async () => {
    expect((await req('POST', '/api/app.info', { 'Content-Type': 'application/json' }, '{}')).status).toBe(401);
    expect((await api('app.info', {}, { 'X-Ckpt-Token': 'x'.repeat(host.token.length) })).status).toBe(401);
    expect((await api('app.info', {}, { 'X-Ckpt-Token': '' })).status).toBe(401);
    // The cookie lets pages load but never authorises an API call (CSRF).
    expect(
      (await req('POST', '/api/app.info', { 'Content-Type': 'application/json', Cookie: `ckpt_token=${host.token}` }, '{}')).status,
    ).toBe(401);
    const ok = await api('app.info', {});
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).result.host).toBe('browser');
  });

  it('refuses a foreign Host (DNS rebinding) or Origin', async () => {
    expect((await api('app.info', {}, { Host: 'attacker.example' })).status).toBe(403);
    expect((await api('app.info', {}, { Host: `attacker.example:${host.port}` })).status).toBe(403);
    expect((await api('app.info', {}, { Origin: 'http://attacker.example' })).status).toBe(403);
    expect((await api('app.info', {}, { Origin: 'null' })).status).toBe(403);
    expect((await api('app.info', {}, { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await api('app.info', {}, { Host: `localhost:${host.port}`, Origin: `http://localhost:${host.port}` })).status).toBe(200);
  });

  it('trades the URL token for a strict cookie and serves the page with CSP', async () => {
    const first = await req('GET', `/?token=${host.token}`);
    expect(first.status).toBe(303);
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const page = await req('GET', '/', { Cookie: `ckpt_token=${host.token}` });
    expect(page.status).toBe(200);
    expect(page.body).toContain(`content="${host.token}"`);
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect((await req('GET', '/')).status).toBe(401);
  });

  it('serves nothing outside the renderer directory', async () => {
    const c = { Cookie: `ckpt_token=${host.token}` };
    for (const p of ['/../secret.txt', '/..%2fsecret.txt', '/%2e%2e/secret.txt', '/a%00b', '/%E0%A4%A'])
      expect([400, 404]).toContain((await req('GET', p, c)).status);
  });

  it('answers bad arguments, bad JSON, unknown methods and oversize bodies with errors', async () => {
    const bad = await api('image.open', { id: 5 });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.code).toBe('bad-argument');
    const notJson = await req('POST', '/api/app.info', { 'Content-Type': 'application/json', 'X-Ckpt-Token': host.token }, '{');
    expect(notJson.status).toBe(400);
    expect((await req('POST', '/api/app.info', { 'Content-Type': 'text/plain', 'X-Ckpt-Token': host.token }, '{}')).status).toBe(415);
    expect((await api('no.such', {})).status).toBe(404);
    expect((await req('GET', '/api/app.info', { 'X-Ckpt-Token': host.token })).status).toBe(405);
    const big = await api('library.import', { name: 'x.ckpt', data: 'A'.repeat(2 << 20) });
    expect(big.status).toBe(413);
    const body = JSON.stringify({ name: 'x.ckpt', data: 'A'.repeat(2 << 20) });
    const declared = await req(
      'POST',
      '/api/library.import',
      { 'Content-Type': 'application/json', 'X-Ckpt-Token': host.token, 'Content-Length': String(body.length) },
      body,
    );
    expect(declared.status).toBe(413);
    expect((await api('app.info', {})).status).toBe(200);
  });

  it('streams events to an authorised listener', async () => {
    const got = new Promise<string>((ok, fail) => {
      const r = request(
        {
          host: '127.0.0.1',
          port: host.port,
          path: '/api/events',
          headers: { Host: `127.0.0.1:${host.port}`, 'X-Ckpt-Token': host.token },
        },
        (res) => {
          let b = '';
          res.on('data', (c: Buffer) => {
            b += c.toString();
            if (b.includes('library.changed')) {
              ok(b);
              r.destroy();
            }
          });
        },
      );
      r.on('error', fail);
      r.end();
    });
    await new Promise((r) => setTimeout(r, 100));
    const cap = await api('capture.run', { source: 'sim', scenario: 'pipeline' });
    expect(cap.status).toBe(200);
    const text = await got;
    expect(text).toContain('"type":"library.changed"');
    expect((await req('GET', '/api/events')).status).toBe(401);
  });
});
