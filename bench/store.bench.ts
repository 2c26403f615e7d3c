/**
 * The image library against its targets: ingest speed, search latency over
 * a 1,000-image / 10,000,000-fd library (the large and leaky simulations),
 * diff of two 100,000-fd images, and database size per million fds.
 * CKPT_BENCH_QUICK=1 builds a tenth of the library.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { encodeSnapshot } from '../src-main/engine/writer.js';
import { simulate } from '../src-main/sim/index.js';
import { Store } from '../src-main/store/index.js';
import { diffText } from '../src-main/report/text.js';
import { DiffCache } from '../src-main/api/diff-view.js';
import { median, type BenchModule } from './harness.js';

const T0 = Date.parse('2026-11-01T00:00:00Z');

function timeIt(fn: () => void, runs: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    out.push(performance.now() - t);
  }
  return out;
}

const bench: BenchModule = {
  name: 'store',
  async run(ctx) {
    const home = join(ctx.tmp, 'library');
    const large = ctx.quick ? 10 : 100;
    const leaky = ctx.quick ? 90 : 900;
    const store = Store.open(home);

    // Ingest: 100,000-fd images of the large simulation (10 seeds, captured at different times).
    ctx.log(`building ${large} large images (100 processes x 1000 fds) and ${leaky} leaky images`);
    let ingestMs = 0;
    let ingestFds = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const snap = simulate({ scenario: 'large', processes: 100, fds: 1000, seed });
      for (let k = 0; k < large / 10; k++) {
        snap.header.captureTime = T0 + (seed * 100 + k) * 60_000;
        const bytes = encodeSnapshot(snap);
        const t = performance.now();
        const r = store.importBytes(bytes, { label: `large-${seed}`, tags: ['large'] });
        ingestMs += performance.now() - t;
        ingestFds += r.image.fdCount;
      }
      ctx.log(
        `  ${seed * (large / 10)} large images, ${ingestFds.toLocaleString()} fds, ${Math.round((ingestFds / ingestMs) * 1000).toLocaleString()} fds/s so far`,
      );
    }
    ctx.record({
      name: 'ingest, 100k-fd images (hash+decode+index+blob)',
      value: (ingestFds / ingestMs) * 1000,
      unit: 'fds/s',
      target: '>= 300000',
      met: (ingestFds / ingestMs) * 1000 >= 300_000,
    });

    let leakyFds = 0;
    for (let i = 0; i < leaky; i++) {
      const snap = simulate({ scenario: 'leaky', step: 1 + (i % 60), seed: 1 + Math.floor(i / 60), time: T0 + i * 600_000 });
      leakyFds += store.importBytes(encodeSnapshot(snap), { label: `leaky-${1 + Math.floor(i / 60)}` }).image.fdCount;
    }
    const images = store.countImages();
    const totalFds = ingestFds + leakyFds;
    ctx.log(`library: ${images} images, ${totalFds.toLocaleString()} fds`);
    store.close();

    const dbBytes = ['library.db', 'library.db-wal'].reduce((n, f) => {
      try {
        return n + statSync(join(home, f)).size;
      } catch {
        return n;
      }
    }, 0);
    ctx.record({ name: 'database size per million fds', value: dbBytes / 2 ** 20 / (totalFds / 1e6), unit: 'MiB' });

    // Search, as the app does it: one open library, many queries. The first
    // query after opening also loads the path table, reported separately.
    const s = Store.open(home);
    // Ten postgres captures spread over the library's time span: the only
    // images with a unix socket name (/var/run/postgresql/.s.PGSQL.5432,
    // matched by a path term as well as the relation files' paths) and with
    // a listener on port 5432 (the leaky images only talk to one).
    for (let j = 0; j < 10; j++)
      s.importBytes(encodeSnapshot(simulate({ scenario: 'database', seed: j + 1, time: T0 + j * 50_000_000 })), { label: 'db' });
    const queries: [string, string][] = [
      ['path substring', '/srv/data/shard-17-4'],
      ['kind', 'kind:eventfd'],
      ['combined', 'kind:regular comm:worker-4 /tmp/cache deleted:no fd:100-400'],
      ['leak hunt (combined, small images)', 'app.log deleted:yes pid:5000'],
      ['socket, rare port (10 images)', 'lport:5432'],
      ['socket, state (no 100k-fd image has one)', 'state:listen'],
      ['socket, remote port in every 100k-fd image', 'rport:30018'],
      ['path matching a unix socket name too (10 images)', 'postgresql'],
    ];
    const tOpen = performance.now();
    s.search('warm-up-nothing-matches');
    ctx.record({ name: 'search: first query after open (loads path table)', value: performance.now() - tOpen, unit: 'ms' });
    for (const [name, q] of queries) {
      let hits = 0;
      const times = timeIt(() => {
        hits = s.search(q).hitCount;
      }, 21);
      ctx.log(`  ${q}: ${hits} hits`);
      ctx.record({ name: `search median: ${name}`, value: median(times), unit: 'ms', target: '< 50', met: median(times) < 50 });
    }

    // Diff of two 100k-fd images: one capture and the next (1% of positions moved, 1% fds replaced), and two unrelated fleets.
    const base = simulate({ scenario: 'large', processes: 100, fds: 1000, seed: 77, time: T0 });
    const next = simulate({ scenario: 'large', processes: 100, fds: 1000, seed: 77, time: T0 + 60_000 });
    next.files.forEach((f, i) => {
      if (i % 100 === 0 && typeof f.pos === 'number') f.pos += 4096;
      if (i % 100 === 50 && f.kind === 'regular') f.path = `${String(f.path)}.rotated`;
    });
    const a = s.importBytes(encodeSnapshot(base)).image.id;
    const b = s.importBytes(encodeSnapshot(next)).image.id;
    // The diff as every consumer starts from it (changes found, counted, their
    // names read); then what `ckpt diff` prints (the summary and its first
    // 2,000 lines) and, for two unrelated images, every fd's details built,
    // as --json, an export or diff.run need them.
    const diffFigure = (what: string, x: string, y: string, runs: number) => {
      let summary = '';
      const times = timeIt(() => {
        summary = JSON.stringify(s.diff(x, y).summary);
      }, runs);
      ctx.log(`  diff ${what}: ${summary}`);
      ctx.record({
        name: `diff median: 100k-fd images, ${what}`,
        value: median(times),
        unit: 'ms',
        target: '< 200',
        met: median(times) < 200,
      });
      const text = timeIt(() => diffText(s.diff(x, y)), runs);
      ctx.record({ name: `diff as ckpt diff prints it: 100k-fd images, ${what}`, value: median(text), unit: 'ms' });
    };
    diffFigure('next capture', a, b, 7);
    const fleet = s.listImages({ label: 'large-3', limit: 1 })[0]!.id;
    diffFigure('all fds differ', a, fleet, 5);
    const whole = timeIt(() => s.diff(a, fleet).tasks, 5);
    ctx.record({ name: 'diff with every fd built (--json, export): all fds differ', value: median(whole), unit: 'ms' });
    // The Diff view's first page, from a diff not kept yet (a new cache each time).
    const noImages = () => {
      throw new Error('whole tables not asked for');
    };
    const firstPage = timeIt(() => new DiffCache().view(s, { a, b: fleet, offset: 0, limit: 200 }, noImages), 5);
    ctx.record({ name: "Diff view's first page (diff.view): all fds differ", value: median(firstPage), unit: 'ms' });

    const tl = timeIt(() => s.timeline({ label: 'leaky-1' }), 5);
    ctx.record({ name: 'timeline median: 60-image leaky series', value: median(tl), unit: 'ms' });
    // Every process of every image is read for the per-process fd limit projections: a series of fleets is their worst case.
    const tlLarge = timeIt(() => s.timeline({ tag: 'large' }), 3);
    ctx.record({
      name: `timeline median: ${large}-image series of 100k-fd images (101 processes each)`,
      value: median(tlLarge),
      unit: 'ms',
    });
    s.close();
  },
};

export default bench;
