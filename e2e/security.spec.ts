/**
 * The browser host's security properties, asserted against the running
 * host: token and Host/Origin refusals, the CSP on the page (and that it
 * actually blocks inline script), bad API arguments rejected with a typed
 * error while the backend stays up.
 */
import { test, expect, request as pwRequest } from '@playwright/test';
import { startHost, haveChromium, chromiumPath, type RunningHost } from './host.js';

test.skip(!haveChromium && !process.env.CI, `no Chromium at ${chromiumPath}`);
test.describe.configure({ mode: 'serial' });

let host: RunningHost;
test.beforeAll(async () => {
  host = await startHost();
});
test.afterAll(async () => {
  await host?.stop();
});

const json = { 'Content-Type': 'application/json' };
/** The token with its last character changed (never equal to it). */
const wrongToken = (t: string) => t.slice(0, -1) + (t.endsWith('a') ? 'b' : 'a');

test('API calls without the token, or with a wrong one, are refused', async () => {
  const ctx = await pwRequest.newContext();
  const none = await ctx.post(`${host.origin}/api/library.list`, { headers: json, data: {} });
  expect(none.status()).toBe(401);
  const wrong = await ctx.post(`${host.origin}/api/library.list`, {
    headers: { ...json, 'X-Ckpt-Token': wrongToken(host.token) },
    data: {},
  });
  expect(wrong.status()).toBe(401);
  const ok = await ctx.post(`${host.origin}/api/library.list`, { headers: { ...json, 'X-Ckpt-Token': host.token }, data: {} });
  expect(ok.status()).toBe(200);
  expect((await ok.json()).ok).toBe(true);
  // The page itself needs the token (or the cookie it is traded for).
  expect((await ctx.get(`${host.origin}/`)).status()).toBe(401);
  expect((await ctx.get(`${host.origin}/?token=nope`)).status()).toBe(401);
  await ctx.dispose();
});

test('a foreign Host or Origin is refused even with the token', async () => {
  const ctx = await pwRequest.newContext();
  const h = { ...json, 'X-Ckpt-Token': host.token };
  for (const bad of [`evil.example:${host.port}`, 'evil.example', `127.0.0.1:${host.port + 1}`, `localhost.evil.example:${host.port}`]) {
    const r = await ctx.post(`${host.origin}/api/library.list`, { headers: { ...h, Host: bad }, data: {} });
    expect(r.status(), `Host ${bad}`).toBe(403);
  }
  for (const bad of ['http://evil.example', `http://127.0.0.1:${host.port + 1}`, 'null', `https://127.0.0.1:${host.port}`]) {
    const r = await ctx.post(`${host.origin}/api/library.list`, { headers: { ...h, Origin: bad }, data: {} });
    expect(r.status(), `Origin ${bad}`).toBe(403);
  }
  const same = await ctx.post(`${host.origin}/api/library.list`, { headers: { ...h, Origin: host.origin }, data: {} });
  expect(same.status()).toBe(200);
  await ctx.dispose();
});

test('the page carries a strict CSP that blocks inline script', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (m) => m.type() === 'error' && violations.push(m.text()));
  const res = await page.goto(host.url);
  const csp = res!.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain('unsafe-eval');
  expect(csp).toContain("frame-ancestors 'none'");
  await expect(page.getByTestId('library')).toBeVisible();
  const ran = await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inline = 1';
    document.body.appendChild(s);
    return (window as unknown as { __inline?: number }).__inline === 1;
  });
  expect(ran).toBe(false);
  // The token is gone from the address bar once traded for the cookie.
  expect(page.url()).not.toContain('token');
});

test('bad API arguments are rejected with a typed error and the backend stays up', async () => {
  const ctx = await pwRequest.newContext();
  const h = { ...json, 'X-Ckpt-Token': host.token };
  const cases: [string, unknown][] = [
    ['image.open', { id: 7 }],
    ['image.fds', { id: 'abc', table: 'one', offset: 0, limit: 10 }],
    ['capture.run', { source: 'sim', scenario: 'web-server', seed: -1 }],
    ['library.delete', { ids: 'all' }],
  ];
  for (const [m, a] of cases) {
    const r = await ctx.post(`${host.origin}/api/${m}`, { headers: h, data: a as object });
    expect(r.status(), m).toBe(400);
    const body = await r.json();
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe('bad-argument');
  }
  const notJson = await ctx.post(`${host.origin}/api/library.list`, { headers: h, data: '{nope' });
  expect(notJson.status()).toBe(400);
  const unknown = await ctx.post(`${host.origin}/api/fs.readFile`, { headers: h, data: {} });
  expect(unknown.status()).toBe(404);
  const traversal = await ctx.get(`${host.origin}/..%2f..%2fetc%2fpasswd`, { headers: { Cookie: `ckpt_token=${host.token}` } });
  expect(traversal.status()).toBe(404);
  const still = await ctx.post(`${host.origin}/api/app.info`, { headers: h, data: {} });
  expect((await still.json()).ok).toBe(true);
  await ctx.dispose();
});

test('built reports are served only with the page cookie, under a sandbox CSP, and only by their own id and name', async () => {
  const ctx = await pwRequest.newContext();
  const h = { ...json, 'X-Ckpt-Token': host.token };
  const cap = await ctx.post(`${host.origin}/api/capture.run`, { headers: h, data: { source: 'sim', scenario: 'everything' } });
  const id = (await cap.json()).result.image.id as string;
  const built = (
    await (
      await ctx.post(`${host.origin}/api/report.export`, { headers: h, data: { request: { what: 'image', id }, format: 'html' } })
    ).json()
  ).result as { id: string; suggestedName: string };
  const path = `/reports/${built.id}/${built.suggestedName}`;
  // No cookie: refused, like the page.
  expect((await ctx.get(`${host.origin}${path}`)).status()).toBe(401);
  // Trade the token for the cookie, as the browser does.
  expect((await ctx.get(host.url)).status()).toBe(200);
  const r = await ctx.get(`${host.origin}${path}`);
  expect(r.status()).toBe(200);
  expect(r.headers()['content-security-policy']).toMatch(/^sandbox; default-src 'none'/);
  expect(r.headers()['content-type']).toContain('text/html');
  expect(r.headers()['content-disposition']).toBe(`inline; filename="${built.suggestedName}"`);
  const dl = await ctx.get(`${host.origin}${path}?download=1`);
  expect(dl.headers()['content-disposition']).toMatch(/^attachment;/);
  // Another name for the same id, an unknown id, a path trick: 404.
  for (const bad of [
    `/reports/${built.id}/other.html`,
    `/reports/${'0'.repeat(32)}/${built.suggestedName}`,
    `/reports/${built.id}/..%2f..%2fetc%2fpasswd`,
  ])
    expect((await ctx.get(`${host.origin}${bad}`)).status(), bad).toBe(404);
  // A foreign Host is refused before anything else.
  expect((await ctx.get(`${host.origin}${path}`, { headers: { Host: 'evil.example' } })).status()).toBe(403);
  // report.save and report.open are the desktop app's; the browser host says how it does them instead.
  const save = await ctx.post(`${host.origin}/api/report.save`, { headers: h, data: { id: built.id } });
  expect((await save.json()).error.code).toBe('unavailable');
  const bad = await ctx.post(`${host.origin}/api/report.open`, { headers: h, data: { id: '../../etc/passwd' } });
  expect((await bad.json()).error.code).toBe('bad-argument');
  // The diff view's pages: a bad filter or page is a typed refusal, not a crash.
  for (const args of [
    { a: id, b: id, changes: ['bogus'], offset: 0, limit: 10 },
    { a: id, b: id, offset: 0, limit: 0 },
    { a: id, b: id, offset: -1, limit: 10 },
    { a: id, b: id, whole: 'yes', offset: 0, limit: 10 },
  ]) {
    const r = await ctx.post(`${host.origin}/api/diff.view`, { headers: h, data: args });
    expect((await r.json()).error.code, JSON.stringify(args)).toBe('bad-argument');
  }
  const same = await (await ctx.post(`${host.origin}/api/diff.view`, { headers: h, data: { a: id, b: id, offset: 0, limit: 10 } })).json();
  expect(same.result).toMatchObject({ total: 0, unfiltered: 0, rows: [] });
  await ctx.dispose();
});
