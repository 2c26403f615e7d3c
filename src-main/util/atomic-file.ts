/**
 * Files appear whole or not at all: bytes go to a temporary file beside the
 * target, are fsync'd, and are renamed over it. A crash or an error midway
 * leaves the target untouched and removes the temporary file.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export function writeFileAtomic<T>(target: string, produce: (write: (chunk: Uint8Array) => void) => T): T {
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o644);
  let ok = false;
  try {
    const result = produce((chunk) => {
      let off = 0;
      while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
    });
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, target);
    ok = true;
    return result;
  } finally {
    if (!ok) {
      try {
        closeSync(fd);
      } catch {
        /* already closed */
      }
      try {
        unlinkSync(tmp);
      } catch {
        /* never created or already gone */
      }
    }
  }
}
