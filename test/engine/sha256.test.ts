/**
 * The image hash (src-main/engine/sha256.ts): through the addon's OpenSSL
 * where it is built, else node:crypto. The two must give the same digests,
 * a digest taken midway must leave the hash going on, and the addon's calls
 * must refuse what is not theirs.
 */
import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { sha256, sha256Source } from '../../src-main/engine/sha256.js';
import { procfdAddon } from '../../src-main/util/procfd-addon.js';

const node = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

describe('sha256', () => {
  it('comes from the addon where it is built (npm install builds it here)', () => {
    expect(procfdAddon().why).toBe('');
    expect(sha256Source()).toBe('native');
  });

  it('gives node:crypto’s digests: empty, one byte, chunks of every size around a block, megabytes, other typed arrays', () => {
    expect(sha256().digest()).toEqual(node());
    expect(sha256().update(Buffer.from('a')).digest()).toEqual(node(Buffer.from('a')));
    const big = randomBytes(3 << 20);
    for (const size of [1, 55, 56, 63, 64, 65, 1000, 4096, 1 << 20]) {
      const h = sha256();
      for (let at = 0; at < big.length; at += size) h.update(big.subarray(at, Math.min(big.length, at + size)));
      expect(h.digest(), `chunks of ${size}`).toEqual(node(big));
    }
    const words = new Uint32Array([1, 2, 3, 0xffffffff]);
    expect(sha256().update(new Uint8Array(words.buffer)).digest()).toEqual(node(new Uint8Array(words.buffer)));
  });

  it('a digest taken midway leaves the hash going on', () => {
    const a = randomBytes(10_000);
    const b = randomBytes(777);
    const h = sha256().update(a);
    expect(h.digest()).toEqual(node(a));
    expect(h.digest()).toEqual(node(a));
    expect(h.update(b).digest()).toEqual(node(a, b));
  });

  it('the addon’s calls refuse a handle or bytes that are not theirs (another kind of handle too), with a clear error', () => {
    const m = procfdAddon().addon as Record<string, (...a: unknown[]) => unknown>;
    expect(() => m.sha256Update!({}, Buffer.alloc(1))).toThrow(/sha256: expected a handle/);
    expect(() => m.sha256Digest!(42)).toThrow(/sha256: expected a handle/);
    expect(() => m.sha256Update!(m.sha256!(), 'text')).toThrow(/sha256Update: expected a Uint8Array/);
    // The addon's other handles are of other kinds: neither is taken for the other.
    const job = m.start!('/proc', Int32Array.from([process.pid]), 1, false);
    expect(() => m.sha256Digest!(job)).toThrow(/sha256: expected a handle/);
    expect(() => m.next!(m.sha256!(), 0, 0)).toThrow(/not a job/);
    m.cancel!(job);
  });
});
