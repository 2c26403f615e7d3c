/**
 * Issue 2's targets: encode and decode a `large` simulation of 1,000,000
 * fds at >= 1,000,000 fds/s each way, decoding with a peak RSS under 400 MB.
 * Decoding is measured twice: into the full in-memory model (what `show`
 * and the inspector need) and streaming (what `verify` and ingest use).
 * Each leg runs in a fresh process (bundled with esbuild, so no loader
 * overhead) five times; the medians are reported.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';
import { median, type BenchModule } from './harness.js';

const bench: BenchModule = {
  name: 'engine',
  async run(ctx) {
    const child = join(ctx.tmp, 'engine-child.mjs');
    await build({
      entryPoints: [join(import.meta.dirname, 'engine-child.ts')],
      outfile: child,
      bundle: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'warning',
    });
    const [procs, fdsPer] = ctx.quick ? [100, 1000] : [1000, 1000];
    const image = join(ctx.tmp, 'large.ckpt');
    const runs = ctx.quick ? 2 : 5;
    const leg = (args: string[]) =>
      JSON.parse(execFileSync(process.execPath, ['--expose-gc', child, ...args], { encoding: 'utf8', maxBuffer: 1 << 20 })) as {
        ms: number;
        fds: number;
        bytes: number;
        peakRssMB: number;
      };
    const enc = Array.from({ length: runs }, () => leg(['encode', image, String(procs), String(fdsPer)]));
    const dec = Array.from({ length: runs }, () => leg(['decode', image]));
    const ver = Array.from({ length: runs }, () => leg(['verify', image]));
    const fds = enc[0]!.fds;
    const bytes = enc[0]!.bytes;
    ctx.log(
      `large simulation: ${procs} processes x ${fdsPer} fds = ${fds} fds, image ${(bytes / 2 ** 20).toFixed(1)} MiB; ${runs} runs each`,
    );
    const encMs = median(enc.map((r) => r.ms));
    const decMs = median(dec.map((r) => r.ms));
    const encRate = fds / (encMs / 1000);
    const decRate = fds / (decMs / 1000);
    ctx.log(`encode ms: ${enc.map((r) => r.ms.toFixed(0)).join(', ')}; decode ms: ${dec.map((r) => r.ms.toFixed(0)).join(', ')}`);
    ctx.record({ name: 'encode fds/s (median)', value: encRate, unit: 'fds/s', target: '>= 1,000,000', met: encRate >= 1e6 });
    ctx.record({ name: 'encode MB/s (median)', value: bytes / 1e6 / (encMs / 1000), unit: 'MB/s' });
    ctx.record({ name: 'decode fds/s (median)', value: decRate, unit: 'fds/s', target: '>= 1,000,000', met: decRate >= 1e6 });
    ctx.record({ name: 'decode MB/s (median)', value: bytes / 1e6 / (decMs / 1000), unit: 'MB/s' });
    const decRss = Math.max(...dec.map((r) => r.peakRssMB));
    ctx.record({ name: 'decode peak RSS (max of runs)', value: decRss, unit: 'MB', target: '< 400', met: decRss < 400 });
    const verMs = median(ver.map((r) => r.ms));
    ctx.record({
      name: 'streaming decode (verify) fds/s (median)',
      value: fds / (verMs / 1000),
      unit: 'fds/s',
      target: '>= 1,000,000',
      met: fds / (verMs / 1000) >= 1e6,
    });
    const verRss = Math.max(...ver.map((r) => r.peakRssMB));
    ctx.record({ name: 'streaming decode (verify) peak RSS', value: verRss, unit: 'MB', target: '< 400', met: verRss < 400 });
    ctx.record({ name: 'image bytes per fd', value: bytes / fds, unit: 'B' });
    ctx.record({ name: 'encode peak RSS incl. the simulated model', value: Math.max(...enc.map((r) => r.peakRssMB)), unit: 'MB' });
  },
};
export default bench;
