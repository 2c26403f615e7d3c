/**
 * The CRIU source: a `criu dump -D DIR` images directory, or a checkpoint
 * archive holding one (podman `container checkpoint --export`, CRI-O and
 * kubelet checkpoint archives, a tar of DIR), converted into a snapshot with
 * source 'criu' (docs/criu.md).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Snapshot } from '../../../src-shared/model/index.js';
import { readArchive } from './archive.js';
import type { InputKind } from './detect.js';
import { dumpToSnapshot } from './dump.js';
import { CriuError } from './errors.js';
import type { DumpFiles } from './image.js';

export { CriuError } from './errors.js';
export { detectInput, type InputKind } from './detect.js';

const MAX_IMAGE_FILE = 256 << 20;

/** The files of an images directory, read when asked for. */
export function directoryFiles(dir: string): DumpFiles {
  return {
    where: dir,
    display: (name) => join(dir, name),
    get(name) {
      const p = join(dir, name);
      let st;
      try {
        st = statSync(p);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return null;
        throw new CriuError(p, -1, `cannot read: ${code ?? (e as Error).message}`);
      }
      if (!st.isFile()) throw new CriuError(p, -1, 'not a regular file');
      if (st.size > MAX_IMAGE_FILE) throw new CriuError(p, -1, `${st.size} bytes, larger than any image this reads (${MAX_IMAGE_FILE})`);
      try {
        return { bytes: readFileSync(p), mtimeMs: st.mtimeMs };
      } catch (e) {
        throw new CriuError(p, -1, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    },
  };
}

export interface CriuImport {
  snapshot: Snapshot;
  /** The container's name from the archive's config.dump or spec.dump, if any. */
  label?: string;
}

function json(bytes: Uint8Array | undefined): Record<string, unknown> | undefined {
  if (!bytes) return undefined;
  try {
    const v = JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The container's name: podman's and CRI-O's config.dump `name`, else the kubernetes annotations of spec.dump. */
function containerName(config: Record<string, unknown> | undefined, spec: Record<string, unknown> | undefined): string | undefined {
  const clean = (s: unknown) => (typeof s === 'string' && s.length > 0 && s.length <= 256 ? s : undefined);
  const name = clean(config?.name);
  if (name) return name;
  const ann = spec?.annotations as Record<string, unknown> | undefined;
  const c = clean(ann?.['io.kubernetes.container.name']);
  const p = clean(ann?.['io.kubernetes.pod.name']);
  return c ? (p ? `${p}/${c}` : c) : undefined;
}

/** Converts the dump at `path` (an images directory or an archive, as detectInput found it). */
export async function importCriu(path: string, kind: InputKind): Promise<CriuImport> {
  if (kind.kind === 'criu-dir') return { snapshot: dumpToSnapshot(directoryFiles(path)) };
  if (kind.kind === 'criu-image')
    throw new CriuError(path, -1, 'a single CRIU image file: import the directory that holds it (with inventory.img), or an archive of it');
  if (kind.kind !== 'archive') throw new CriuError(path, -1, 'not a CRIU images directory or checkpoint archive');
  const a = await readArchive(path, kind.archive);
  const config = json(a.configDump);
  const spec = json(a.specDump);
  const label = containerName(config, spec);
  const checkpointed = typeof config?.checkpointedTime === 'string' ? Date.parse(config.checkpointedTime) : NaN;
  const time = Number.isFinite(checkpointed) && checkpointed > 0 ? { ms: checkpointed, from: 'config.dump checkpointedTime' } : undefined;
  const snapshot = dumpToSnapshot(a.files, {
    ...(time ? { time } : {}),
    mtimeFrom: 'inventory.img mtime (in the archive)',
    options: { 'criu.archive': path, ...(label ? { 'criu.container': label } : {}) },
  });
  return { snapshot, ...(label ? { label } : {}) };
}
