/**
 * The addon's prefault (src-native/prefault.c): it maps in the
 * pages of V8's young generation ahead of the JavaScript that will
 * allocate there, and changes nothing in them. Run in a child node with
 * the young generation a capture has (bin/ckpt.mjs), so the pages are
 * there to map.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { release } from 'node:os';
import { procfdPath } from '../../src-main/sources/proc/procfd-reader.js';

/** Runs `body` in a child node with a 32 MiB young generation and the addon as `m`; its stdout as JSON. */
function child(body: string): Record<string, unknown> {
  const script = `
    const m = require(${JSON.stringify(procfdPath())});
    const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
    const anon = () => Number(/RssAnon:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
    (async () => { ${body} })().then((r) => process.stdout.write(JSON.stringify(r)), (e) => { process.stderr.write(String(e?.stack ?? e)); process.exit(2); });
  `;
  const r = spawnSync(process.execPath, ['--expose-gc', '--min-semi-space-size=32', '--max-semi-space-size=32', '-e', script], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

// MADV_POPULATE_WRITE came with Linux 5.14: before it, the thread maps nothing in.
const [major, minor] = release().split('.').map(Number);
const populates = major! > 5 || (major === 5 && minor! >= 14);

describe.skipIf(!populates)('prefault', () => {
  it('maps in the young generation on a thread of its own, without the JavaScript thread touching it', () => {
    const r = child(`
      const before = anon();
      const started = m.prefault();
      // The thread works alone: this one only sleeps, allocating nothing.
      const t0 = Date.now();
      let after = anon();
      while (after - before < 24 * 2 ** 20 && Date.now() - t0 < 10000) {
        await new Promise((res) => setTimeout(res, 20));
        after = anon();
      }
      return { started, grewMiB: (after - before) / 2 ** 20 };
    `);
    expect(r.started).toBe(true);
    // 32 MiB of young generation, mostly untouched before: at least 24 of it mapped in.
    expect(r.grewMiB as number).toBeGreaterThanOrEqual(24);
  });

  it('runs one at a time: a call while one is under way starts nothing, one after it does', () => {
    const r = child(`
      const first = m.prefault();
      // 32 MiB to map in: far longer than this next line takes.
      const meanwhile = m.prefault();
      const t0 = Date.now();
      let after = false;
      while (!after && Date.now() - t0 < 10000) {
        await new Promise((res) => setTimeout(res, 5));
        after = m.prefault();
      }
      return { first, meanwhile, after };
    `);
    expect(r).toEqual({ first: true, meanwhile: false, after: true });
  });

  it('survives regions unmapped while it maps them in (malloc freeing 256 KiB buffers)', () => {
    // 256 KiB - 16: malloc maps exactly 256 KiB for each, as V8 maps its
    // pages, and unmaps it when the buffer is collected. A read of one
    // unmapped between its madvise and the read ends the toucher only.
    const r = child(`
      let rounds = 0;
      const t0 = Date.now();
      while (Date.now() - t0 < 3000) {
        let keep = [];
        for (let i = 0; i < 64; i++) keep.push(Buffer.allocUnsafeSlow(256 * 1024 - 16).fill(1));
        const started = m.prefault();
        keep = null;
        globalThis.gc();
        if (started) rounds++;
        // One toucher at a time (a call meanwhile starts none): wait for it.
        while (m.prefaultPid() !== 0) await new Promise((res) => setTimeout(res, 1));
        await new Promise((res) => setImmediate(res));
      }
      return { rounds };
    `);
    expect(r.rounds as number).toBeGreaterThan(0);
  });

  it('leaves what the JavaScript thread allocates as it was, while the two run side by side', () => {
    const r = child(`
      // Objects and strings allocated while the thread maps pages in: every
      // one must read back as it was written.
      m.prefault();
      const objs = [];
      for (let i = 0; i < 200000; i++) objs.push({ i, s: 'x' + i, d: i * 1.5 });
      await new Promise((res) => setTimeout(res, 200));
      let bad = 0;
      for (let i = 0; i < objs.length; i++) {
        const o = objs[i];
        if (o.i !== i || o.s !== 'x' + i || o.d !== i * 1.5) bad++;
      }
      const buf = Buffer.alloc(1 << 20, 7);
      let sum = 0;
      for (const b of buf) sum += b;
      return { bad, n: objs.length, sum };
    `);
    expect(r.n).toBe(200000);
    expect(r.bad).toBe(0);
    expect(r.sum).toBe(7 << 20);
  });
});
