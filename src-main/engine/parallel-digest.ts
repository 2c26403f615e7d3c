/**
 * The SHA-256 a large image's tail is checked against, computed by a worker
 * thread reading the same file while the main thread parses it: on two
 * cores that takes the hash (about a tenth of decoding) off the critical
 * path. The decoder is synchronous, so the result comes back through shared
 * memory and Atomics.wait, not a message. Images are immutable once written
 * (they appear by rename), so both threads read the same bytes.
 */
import { Worker } from 'node:worker_threads';

/** Below this size a worker's start costs more than the hash it saves. */
export const PARALLEL_DIGEST_MIN_BYTES = 32 << 20;

const WORKER = `
const { workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const { path, end, state, out } = workerData;
let status = 2;
try {
  const fd = fs.openSync(path, 'r');
  try {
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(4 << 20);
    let pos = 0;
    while (pos < end) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, end - pos), pos);
      if (n <= 0) break;
      h.update(buf.subarray(0, n));
      pos += n;
    }
    if (pos === end) {
      out.set(h.digest());
      status = 1;
    }
  } finally {
    fs.closeSync(fd);
  }
} catch {}
Atomics.store(state, 0, status);
Atomics.notify(state, 0);
`;

export interface ParallelDigest {
  /** SHA-256 of bytes [0, end); null when it was started for another end or failed (hash in-thread then). */
  digestOf(end: number): Buffer | null;
  dispose(): void;
}

/** Starts hashing bytes [0, end) of `path`, end being where a whole image's TAIL must start. */
export function startParallelDigest(path: string, end: number): ParallelDigest | null {
  const shared = new SharedArrayBuffer(4 + 32);
  const state = new Int32Array(shared, 0, 1);
  const out = new Uint8Array(shared, 4, 32);
  let worker: Worker;
  try {
    worker = new Worker(WORKER, { eval: true, workerData: { path, end, state, out } });
  } catch {
    return null;
  }
  worker.unref();
  worker.on('error', () => Atomics.store(state, 0, 2));
  return {
    digestOf(at) {
      if (at !== end) return null;
      // A minute is far beyond any real hash; past it, give up and hash here.
      while (Atomics.load(state, 0) === 0) if (Atomics.wait(state, 0, 0, 60_000) === 'timed-out') break;
      return Atomics.load(state, 0) === 1 ? Buffer.from(out) : null;
    },
    dispose() {
      if (Atomics.load(state, 0) === 0) void worker.terminate();
    },
  };
}
