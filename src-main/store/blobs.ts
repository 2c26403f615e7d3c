/**
 * Image bytes on disk, content-addressed: images/ab/<sha256>. A new image is
 * written to tmp/<sha256>.<pid>.tmp and fsync'd before its rows commit, and
 * renamed into place after; recover() finishes or discards whatever a
 * killed import left, so rows and files always agree once the library is
 * opened.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** An image's id: the SHA-256 of its bytes, in hex. */
export function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export class Blobs {
  readonly dir: string;
  readonly tmp: string;
  constructor(home: string) {
    this.dir = join(home, 'images');
    this.tmp = join(home, 'tmp');
    mkdirSync(this.dir, { recursive: true });
    mkdirSync(this.tmp, { recursive: true });
  }

  path(sha: string): string {
    return join(this.dir, sha.slice(0, 2), sha);
  }

  tempPath(sha: string): string {
    return join(this.tmp, `${sha}.${process.pid}.tmp`);
  }

  /**
   * Writes and fsyncs the temporary copy; returns its path. A failed write
   * (a full disk) removes the partial file before it throws, and the error
   * names the file.
   */
  writeTemp(sha: string, bytes: Uint8Array): string {
    const p = this.tempPath(sha);
    try {
      const fd = openSync(p, 'w', 0o644);
      try {
        let off = 0;
        while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      unlinkQuiet(p);
      throw namedError(e, `cannot write ${p}`);
    }
    return p;
  }

  /**
   * Moves a committed image's temporary copy into place. On failure the
   * temporary copy stays (the image's only bytes: the next open finishes the
   * move) and the error names both paths.
   */
  publish(tempPath: string, sha: string): void {
    const dest = this.path(sha);
    try {
      mkdirSync(join(this.dir, sha.slice(0, 2)), { recursive: true });
      renameSync(tempPath, dest);
    } catch (e) {
      throw namedError(e, `cannot move ${tempPath} to ${dest}`);
    }
    syncDir(join(this.dir, sha.slice(0, 2)));
  }

  /**
   * A committed image's bytes. Its rows commit before its file is renamed
   * into place, so a reader on another connection (the host while the
   * import worker publishes, another process) can find the row first: the
   * fsync'd temporary copy is then read instead. ENOENT only when neither
   * is there.
   */
  read(sha: string): Buffer {
    const final = this.path(sha);
    try {
      return readFileSync(final);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      for (const f of safeReaddir(this.tmp))
        if (f.startsWith(`${sha}.`) && f.endsWith('.tmp'))
          try {
            return readFileSync(join(this.tmp, f));
          } catch {
            /* renamed into place meanwhile */
          }
      return readFileSync(final); // published meanwhile, or ENOENT for good
    }
  }

  remove(sha: string): void {
    try {
      unlinkSync(this.path(sha));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  /** Every stored image file: sha -> size. */
  list(): Map<string, number> {
    const out = new Map<string, number>();
    for (const sub of safeReaddir(this.dir)) {
      if (!/^[0-9a-f]{2}$/.test(sub)) continue;
      for (const f of safeReaddir(join(this.dir, sub))) {
        if (!/^[0-9a-f]{64}$/.test(f)) continue;
        try {
          out.set(f, statSync(join(this.dir, sub, f)).size);
        } catch {
          /* removed meanwhile */
        }
      }
    }
    return out;
  }

  /**
   * Temporary files left by imports: { path, sha, pid, alive }. A live pid's
   * file belongs to an import still running (maybe in another process) and
   * must be left alone.
   */
  temps(): { path: string; sha: string; pid: number; alive: boolean }[] {
    const out = [];
    for (const f of safeReaddir(this.tmp)) {
      const m = /^([0-9a-f]{64})\.(\d+)\.tmp$/.exec(f);
      const pid = m ? Number(m[2]) : 0;
      out.push({ path: join(this.tmp, f), sha: m ? m[1]! : '', pid, alive: pid > 0 && pid !== process.pid && pidAlive(pid) });
    }
    return out;
  }
}

/** e with `what: ` before its message (its code kept): a file system error names the file it was about. */
function namedError(e: unknown, what: string): Error {
  const out = new Error(`${what}: ${(e as Error)?.message ?? String(e)}`) as NodeJS.ErrnoException;
  out.code = (e as NodeJS.ErrnoException)?.code;
  return out;
}

function safeReaddir(d: string): string[] {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function syncDir(d: string): void {
  try {
    const fd = openSync(d, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* best effort: some filesystems refuse fsync on directories */
  }
}

export function unlinkQuiet(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    /* already gone */
  }
}
