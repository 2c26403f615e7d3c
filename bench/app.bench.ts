/**
 * The desktop app's speed targets, measured in real Chromium against the real
 * browser host: prepares a library of 10,000 images and images of 100,000 fds
 * (100 processes x 1,000, and one process with 100,000), runs the e2e
 * benchmark spec (e2e/bench.spec.ts) with CKPT_BENCH=1 and records its figures.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, BenchModule } from './harness.js';
import { haveChromium, runBenchSpec } from './playwright-bench.js';
import { Store } from '../src-main/store/index.js';
import { simulate } from '../src-main/sim/index.js';
import { encodeSnapshot } from '../src-main/engine/writer.js';

const TARGETS: Record<string, { target: string; limit: number }> = {
  'library-first-paint-10000': { target: '< 1000', limit: 1000 },
  // Not a target of its own; held to the same second so "first paint" cannot hide a slow whole.
  'library-all-rows-10000': { target: '< 1000', limit: 1000 },
  'inspector-open-100k-fds-100-procs-cold': { target: '< 1000', limit: 1000 },
  'inspector-open-100k-fds-1-proc-cold': { target: '< 1000', limit: 1000 },
};

function library(ctx: BenchContext, home: string, n: number): void {
  const store = Store.open(home);
  try {
    const t0 = performance.now();
    const base = Date.UTC(2026, 0, 1);
    const scenarios = ['pipeline', 'web-server', 'threads', 'database'];
    for (let i = 0; i < n; i++) {
      const snap = simulate({ scenario: scenarios[i % scenarios.length]!, seed: i + 1, time: base + i * 60_000 });
      store.importBytes(encodeSnapshot(snap), { label: `bench ${i}`, tags: i % 7 === 0 ? ['weekly'] : [] });
    }
    ctx.log(`library of ${n} images built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    store.close();
  }
}

function bigImage(home: string, processes: number, fds: number): void {
  const store = Store.open(home);
  try {
    store.importBytes(encodeSnapshot(simulate({ scenario: 'large', processes, fds, seed: 1 })), { label: `large ${processes}x${fds}` });
  } finally {
    store.close();
  }
}

const mod: BenchModule = {
  name: 'app',
  async run(ctx) {
    if (!haveChromium(ctx)) return;
    const n = ctx.quick ? 2000 : 10_000;
    const libHome = join(ctx.tmp, 'library');
    const bigHome = join(ctx.tmp, 'big');
    const wideHome = join(ctx.tmp, 'wide');
    for (const d of [libHome, bigHome, wideHome]) mkdirSync(d, { recursive: true });
    library(ctx, libHome, n);
    bigImage(bigHome, 100, 1000);
    bigImage(wideHome, 1, 100_000);
    // Named: the views' bench spec matches the bench pattern too and has its own module.
    const figures = runBenchSpec(ctx, 'e2e/bench.spec.ts', {
      CKPT_BENCH_LIBRARY_HOME: libHome,
      CKPT_BENCH_LIBRARY_COUNT: String(n),
      CKPT_BENCH_BIG_HOME: bigHome,
      CKPT_BENCH_WIDE_HOME: wideHome,
    });
    for (const { name, value, unit } of figures) {
      const t = TARGETS[name];
      ctx.record({ name, value, unit, ...(t ? { target: t.target, met: value < t.limit } : {}) });
    }
  },
};
export default mod;
