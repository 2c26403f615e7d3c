/**
 * One leg of the engine benchmark, in its own process so its peak RSS is its
 * own: `encode OUT P F` simulates P x F fds then times only the encoding to
 * OUT; `decode IN` times decoding IN into the model; `verify IN` times the
 * streaming decode that checks everything and keeps nothing. Prints one JSON line.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { writeSnapshot } from '../src-main/engine/writer.js';
import { readImageFile, verifyImage, withImageFile } from '../src-main/engine/reader.js';
import { simulate } from '../src-main/sim/index.js';

const [mode, file, p, f] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;
if (mode === 'encode') {
  const snap = simulate({ scenario: 'large', seed: 1, time: 0, processes: Number(p), fds: Number(f) });
  const fds = snap.fdTables.reduce((n, t) => n + t.fds.length, 0);
  gc?.();
  const before = process.memoryUsage().rss;
  const fd = openSync(file!, 'w');
  const t0 = performance.now();
  const r = writeSnapshot(snap, (c) => {
    writeSync(fd, c);
  });
  const ms = performance.now() - t0;
  closeSync(fd);
  console.log(JSON.stringify({ ms, fds, bytes: r.bytes, rssBeforeMB: before / 2 ** 20, peakRssMB: process.resourceUsage().maxRSS / 1024 }));
} else if (mode === 'verify') {
  const t0 = performance.now();
  const r = withImageFile(file!, verifyImage);
  const ms = performance.now() - t0;
  console.log(JSON.stringify({ ms, fds: r.fds, bytes: r.bytes, peakRssMB: process.resourceUsage().maxRSS / 1024 }));
} else {
  const t0 = performance.now();
  const s = readImageFile(file!);
  const ms = performance.now() - t0;
  const fds = s.fdTables.reduce((n, t) => n + t.fds.length, 0);
  console.log(JSON.stringify({ ms, fds, bytes: s.info.bytes, peakRssMB: process.resourceUsage().maxRSS / 1024 }));
}
