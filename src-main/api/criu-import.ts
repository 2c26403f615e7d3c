/**
 * A CRIU checkpoint archive given to the app (the Library's import button or
 * a drop), as `ckpt import ARCHIVE` takes it: the app hands the host a
 * file's bytes, not its path, and the CRIU source streams an archive from
 * a path, so the bytes go to a private temporary file first. Images
 * directories cannot be dropped on a page; only archives come this way.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../src-shared/api/contract.js';
import { encodeSnapshot } from '../engine/writer.js';
import { archiveKind } from '../sources/criu/detect.js';

/** The image a checkpoint archive converts into, with its container name; null when `bytes` is no archive. */
export async function criuArchiveImage(name: string, bytes: Buffer): Promise<{ bytes: Buffer; label: string | undefined } | null> {
  const archive = archiveKind(bytes.subarray(0, 512));
  if (!archive) return null;
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-criu-'));
  const file = join(dir, 'archive');
  try {
    writeFileSync(file, bytes, { mode: 0o600 });
    const criu = await import('../sources/criu/index.js');
    try {
      const c = await criu.importCriu(file, { kind: 'archive', archive });
      // The image says where the dump came from: the name given, not the temporary file.
      const h = c.snapshot.header;
      for (const [k, v] of Object.entries(h.options)) h.options[k] = v.split(file).join(name);
      for (const e of c.snapshot.errors) {
        if (typeof e.where === 'string') e.where = e.where.split(file).join(name);
        e.message = e.message.split(file).join(name);
      }
      return { bytes: encodeSnapshot(c.snapshot), label: c.label };
    } catch (e) {
      if (!(e instanceof criu.CriuError)) throw e;
      // Named by what the user gave, not by the temporary file.
      throw new ApiError('image-error', `${name}: not imported: ${e.message.split(file).join(name)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
