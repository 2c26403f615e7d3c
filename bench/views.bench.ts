/**
 * The query views' speed targets, in real Chromium against the real browser
 * host: a diff of two 100,000-fd images on screen (< 1 s) and a search over
 * the benchmark library (1,000 images, 10,000,000 fds) showing its first
 * results (< 300 ms). The library is built as bench/store.bench.ts builds
 * it (100 large images of 100 x 1,000 fds, 900 leaky ones); set
 * CKPT_BENCH_VIEWS_LIBRARY=DIR to build it once there and reuse it on later
 * runs. CKPT_BENCH_QUICK=1 builds a tenth of it (and says so in the names).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeSnapshot } from '../src-main/engine/writer.js';
import { simulate } from '../src-main/sim/index.js';
import { Store } from '../src-main/store/index.js';
import type { BenchContext, BenchModule } from './harness.js';
import { haveChromium, runBenchSpec } from './playwright-bench.js';

const T0 = Date.parse('2026-11-01T00:00:00Z');

function buildLibrary(ctx: BenchContext, home: string, large: number, leaky: number): void {
  const store = Store.open(home);
  try {
    const t = performance.now();
    for (let seed = 1; seed <= 10; seed++) {
      const snap = simulate({ scenario: 'large', processes: 100, fds: 1000, seed });
      for (let k = 0; k < large / 10; k++) {
        snap.header.captureTime = T0 + (seed * 100 + k) * 60_000;
        store.importBytes(encodeSnapshot(snap), { label: `large-${seed}`, tags: ['large'] });
      }
    }
    for (let i = 0; i < leaky; i++) {
      const snap = simulate({ scenario: 'leaky', step: 1 + (i % 60), seed: 1 + Math.floor(i / 60), time: T0 + i * 600_000 });
      store.importBytes(encodeSnapshot(snap), { label: `leaky-${1 + Math.floor(i / 60)}` });
    }
    // Two captures of one 100,000-fd fleet a minute apart: 1% of positions moved, 1% of files rotated.
    const base = simulate({ scenario: 'large', processes: 100, fds: 1000, seed: 77, time: T0 - 120_000 });
    const next = simulate({ scenario: 'large', processes: 100, fds: 1000, seed: 77, time: T0 - 60_000 });
    next.files.forEach((f, i) => {
      if (i % 100 === 0 && typeof f.pos === 'number') f.pos += 4096;
      if (i % 100 === 50 && f.kind === 'regular') f.path = `${String(f.path)}.rotated`;
    });
    store.importBytes(encodeSnapshot(base), { label: 'diff-base' });
    store.importBytes(encodeSnapshot(next), { label: 'diff-next' });
    ctx.log(`library: ${store.countImages()} images built in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  } finally {
    store.close();
  }
}

const mod: BenchModule = {
  name: 'views',
  async run(ctx) {
    if (!haveChromium(ctx)) return;
    const large = ctx.quick ? 10 : 100;
    const leaky = ctx.quick ? 90 : 900;
    const home = process.env.CKPT_BENCH_VIEWS_LIBRARY ?? join(ctx.tmp, 'library');
    const marker = join(home, `.views-bench-${large}-${leaky}`);
    mkdirSync(home, { recursive: true });
    if (existsSync(marker)) ctx.log(`reusing the library in ${home}`);
    else {
      ctx.log(`building ${large} large images (100 x 1,000 fds) and ${leaky} leaky images in ${home}`);
      buildLibrary(ctx, home, large, leaky);
      writeFileSync(marker, '');
    }
    // Read-write: opening migrates a library built by an older schema, as the host would.
    const store = Store.open(home);
    const images = store.countImages();
    const fds = store.listImages({}).reduce((n, s) => n + s.fdCount, 0);
    store.close();
    ctx.log(`library: ${images} images, ${fds.toLocaleString('en-US')} fds`);
    const suffix = ctx.quick ? ` (quick: ${images} images, ${(fds / 1e6).toFixed(1)}M fds)` : '';

    const figures = runBenchSpec(ctx, 'e2e/views-bench.spec.ts', { CKPT_BENCH_VIEWS_HOME: home });
    for (const { name, value, unit } of figures) {
      const limit = name.startsWith('diff-on-screen') ? 1000 : name.startsWith('search-first-results') ? 300 : 0;
      ctx.record({ name: name + suffix, value, unit, ...(limit ? { target: `< ${limit}`, met: value < limit } : {}) });
    }
  },
};
export default mod;
