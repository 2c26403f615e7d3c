/**
 * The app's page asks for contract errors in the body only (X-Ckpt-Errors:
 * in-body): 200 with {ok: false, error}, so Chromium logs no "Failed to load
 * resource" for a refusal the app shows itself. Other clients keep the
 * statuses; transport refusals keep theirs for everyone.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHost, type BrowserHost } from '../../src-main/host/browser-host.js';

let dir: string;
let host: BrowserHost;

function post(m: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const r = request(
      {
        host: '127.0.0.1',
        port: host.port,
        method: 'POST',
        path: `/api/${m}`,
        headers: { Host: `127.0.0.1:${host.port}`, 'Content-Type': 'application/json', ...headers },
      },
      (res) => {
        let b = '';
        res.on('data', (c: Buffer) => (b += c.toString()));
        res.on('end', () => ok({ status: res.statusCode!, body: b }));
      },
    );
    r.on('error', fail);
    r.end(body);
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ckpt-host-errors-'));
  const stat = join(dir, 'renderer');
  mkdirSync(stat);
  writeFileSync(join(stat, 'index.html'), '<html><head><meta name="ckpt-token" content="" /></head><body>app</body></html>');
  host = await startBrowserHost({ home: join(dir, 'home'), staticDir: stat, log: () => undefined, maxBody: 1 << 20 });
});
afterAll(async () => {
  await host.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('contract errors for the app: in the body, status 200', () => {
  const app = () => ({ 'X-Ckpt-Token': host.token, 'X-Ckpt-Errors': 'in-body' });
  it('a query that does not parse, an unknown image, a bad body', async () => {
    for (const [m, body, code] of [
      ['search.run', JSON.stringify({ query: '"unterminated' }), 'bad-argument'],
      ['image.open', JSON.stringify({ id: 'ffffffffffff' }), 'not-found'],
      ['search.run', '{not json', 'bad-argument'],
    ] as const) {
      const r = await post(m, body, app());
      expect(r.status, m).toBe(200);
      const reply = JSON.parse(r.body) as { ok: boolean; error: { code: string } };
      expect(reply.ok).toBe(false);
      expect(reply.error.code).toBe(code);
    }
  });
  it('other clients keep the statuses', async () => {
    expect((await post('search.run', JSON.stringify({ query: '"unterminated' }), { 'X-Ckpt-Token': host.token })).status).toBe(400);
    expect((await post('search.run', '{not json', { 'X-Ckpt-Token': host.token })).status).toBe(400);
  });
  it('transport refusals keep theirs with the header too', async () => {
    expect((await post('app.info', '{}', { 'X-Ckpt-Errors': 'in-body' })).status).toBe(401);
  });
});
