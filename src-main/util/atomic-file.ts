/**
 * Files appear whole or not at all: bytes go to a temporary file beside the
 * target, are fsync'd, and are renamed over it. A crash or an error midway
 * leaves the target untouched and removes the temporary file.
 *
 * Only a regular file (or nothing) is replaced that way. A target that is a
 * device, FIFO or socket (`-o /dev/null`, a named pipe) is written in place:
 * renaming over it would replace the device node itself. A symlink is
 * followed, so the file it points at is replaced and the link stays.
 */
import { closeSync, existsSync, fsyncSync, lstatSync, openSync, realpathSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { procfdAddon } from './procfd-addon.js';

type Produce<T> = (write: (chunk: Uint8Array) => void) => T;

/**
 * A file system error of writing `target`, named by the target the user
 * gave rather than by the temporary file beside it; the code is kept.
 */
function failedWrite(target: string, e: unknown): Error {
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.syscall !== 'string' || typeof err.code !== 'string') return e as Error;
  const why: Record<string, string> = {
    // Said only when so: /proc, for one, has the directory but refuses new files with ENOENT.
    ...(!existsSync(dirname(target)) ? { ENOENT: 'its directory does not exist' } : { ENOENT: 'the file system will not create it there' }),
    EACCES: 'permission denied',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
  };
  return Object.assign(
    new Error(`cannot write ${target}: ${err.code} (${why[err.code] ?? err.message.replace(/^E[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')})`),
    {
      code: err.code,
    },
  );
}

/**
 * Writes chunks to fd. `durable`: the file is fsync'd at its end, so each
 * chunk's writeback is started as it is written (the addon's writeback:
 * sync_file_range), and the fsync finds most of the file on its disk.
 */
function writer(fd: number, target: string, durable = false): (chunk: Uint8Array) => void {
  const addon = durable ? (procfdAddon().addon as { writeback?: (fd: number, off: number, len: number) => boolean } | null) : null;
  let at = 0;
  return (chunk) => {
    let off = 0;
    try {
      while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
    } catch (e) {
      throw failedWrite(target, e);
    }
    addon?.writeback?.(fd, at, chunk.length);
    at += chunk.length;
  };
}

function writeInPlace<T>(target: string, produce: Produce<T>): T {
  let fd: number;
  try {
    fd = openSync(target, 'w');
  } catch (e) {
    throw failedWrite(target, e);
  }
  try {
    return produce(writer(fd, target));
  } finally {
    closeSync(fd);
  }
}

let tmpCount = 0;

export function writeFileAtomic<T>(target: string, produce: Produce<T>): T {
  let st: ReturnType<typeof lstatSync> | undefined;
  try {
    st = lstatSync(target);
  } catch {
    st = undefined;
  }
  if (st?.isSymbolicLink()) {
    let real: string | undefined;
    try {
      real = realpathSync(target);
    } catch {
      real = undefined; // dangling: replace the link's target path below as a new file
    }
    if (real !== undefined) return writeFileAtomic(real, produce);
  } else if (st && !st.isFile()) {
    if (st.isDirectory()) throw Object.assign(new Error(`${target} is a directory`), { code: 'EISDIR' });
    return writeInPlace(target, produce);
  }
  // Unique by pid and a count, the random part against a file a process of
  // the same pid left; 'wx' never takes an existing one, and a few tries
  // get past one. (No node:crypto: loading it costs a capture ~5 ms.)
  let tmp = '';
  let fd = -1;
  for (let tries = 0; fd < 0; tries++) {
    tmp = join(
      dirname(target),
      `.${basename(target)}.${process.pid}.${(++tmpCount).toString(36)}${Math.floor(Math.random() * 2 ** 32).toString(16)}.tmp`,
    );
    try {
      fd = openSync(tmp, 'wx', 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || tries >= 8) throw failedWrite(target, e);
    }
  }
  let ok = false;
  try {
    const result = produce(writer(fd, target, true));
    try {
      fsyncSync(fd);
      closeSync(fd);
      renameSync(tmp, target);
    } catch (e) {
      throw failedWrite(target, e);
    }
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
