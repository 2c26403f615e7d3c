/**
 * A running SHA-256 whose digest can be taken at any point and hashing go
 * on: through the native addon (src-native/sha256.c: the OpenSSL node
 * already holds) where it is built, else node:crypto. Not node:crypto
 * first, because loading it is ~5 ms of every capture's start (36 internal
 * modules, compiled afresh under the V8 flags a capture runs with); the
 * two give the same digests (test/engine/sha256.test.ts).
 */
import { createRequire } from 'node:module';
import { procfdAddon } from '../util/procfd-addon.js';

export interface Sha256 {
  update(bytes: Uint8Array): Sha256;
  /** The digest of everything so far; hashing may go on. */
  digest(): Buffer;
}

interface NativeSha256 {
  sha256(): object | null;
  sha256Update(h: object, bytes: Uint8Array): void;
  sha256Digest(h: object): Buffer;
}

/** Where the digests come from: 'native' unless the addon or the process's OpenSSL is not there. */
export function sha256Source(): 'native' | 'node:crypto' {
  const m = procfdAddon().addon as NativeSha256 | null;
  return m?.sha256() ? 'native' : 'node:crypto';
}

export function sha256(): Sha256 {
  const m = procfdAddon().addon as NativeSha256 | null;
  const h = m?.sha256();
  if (m && h) {
    const hash: Sha256 = {
      update: (bytes) => {
        m.sha256Update(h, bytes);
        return hash;
      },
      digest: () => m.sha256Digest(h),
    };
    return hash;
  }
  const c = (createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto')).createHash('sha256');
  const hash: Sha256 = {
    update: (bytes) => {
      c.update(bytes);
      return hash;
    },
    digest: () => c.copy().digest(),
  };
  return hash;
}
