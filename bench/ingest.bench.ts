/**
 * Ingest alone, for iterating on issue 4's target (>= 300,000 fds/s into the
 * indexed store): N `large` images of 100,000 fds (10 seeds, as the store
 * bench builds them) imported into a fresh library, reporting fds/s for each
 * block of ten images so the fall-off as the library grows shows.
 * CKPT_INGEST_IMAGES=N sets N (default 100, i.e. 10M fds; 20 when quick).
 */
import { join } from 'node:path';
import { encodeSnapshot } from '../src-main/engine/writer.js';
import { simulate } from '../src-main/sim/index.js';
import { Store } from '../src-main/store/index.js';
import type { BenchModule } from './harness.js';

const T0 = Date.parse('2026-11-01T00:00:00Z');

const bench: BenchModule = {
  name: 'ingest',
  async run(ctx) {
    const n = Number(process.env.CKPT_INGEST_IMAGES ?? (ctx.quick ? 20 : 100));
    const perSeed = Math.max(1, Math.ceil(n / 10));
    const store = Store.open(join(ctx.tmp, 'library'));
    let totalMs = 0;
    let totalFds = 0;
    let blockMs = 0;
    let blockFds = 0;
    let done = 0;
    for (let seed = 1; done < n; seed++) {
      const snap = simulate({ scenario: 'large', processes: 100, fds: 1000, seed });
      for (let k = 0; k < perSeed && done < n; k++) {
        snap.header.captureTime = T0 + (seed * 100 + k) * 60_000;
        const bytes = encodeSnapshot(snap);
        const t = performance.now();
        const r = store.importBytes(bytes, { label: `large-${seed}`, tags: ['large'] });
        const ms = performance.now() - t;
        totalMs += ms;
        totalFds += r.image.fdCount;
        blockMs += ms;
        blockFds += r.image.fdCount;
        done++;
        if (done % 10 === 0 || done === n) {
          ctx.log(
            `  images ${done - ((done - 1) % 10)}-${done}: ${Math.round((blockFds / blockMs) * 1000).toLocaleString()} fds/s (${(blockMs / (((done - 1) % 10) + 1)).toFixed(0)} ms per image); library ${totalFds.toLocaleString()} fds`,
          );
          blockMs = 0;
          blockFds = 0;
        }
      }
    }
    store.close();
    const rate = (totalFds / totalMs) * 1000;
    ctx.record({
      name: `ingest, ${n} 100k-fd images into a fresh library`,
      value: rate,
      unit: 'fds/s',
      target: '>= 300000',
      met: rate >= 300_000,
    });
  },
};

export default bench;
