/**
 * The native addon (src-native/, built into out/native/procfd.node by
 * scripts/build-native.mjs at install), loaded once for all its users: the
 * /proc reader (sources/proc/procfd-reader.ts) and the image hash
 * (engine/sha256.ts). Where it is not built, or is another version, each
 * user falls back to its JavaScript way and can say why.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../host/paths.js';

/** The version procfd.c's init exports: the two change together. */
export const PROCFD_VERSION = 13;

/** The addon's path: CKPT_PROCFD overrides (tests, packaged layouts). */
export function procfdPath(): string {
  return process.env.CKPT_PROCFD ?? join(packageRoot(), 'out', 'native', 'procfd.node');
}

let loaded: { addon: object | null; why: string } | undefined;

/** The addon's exports, or null and why it is not there. */
export function procfdAddon(): { addon: object | null; why: string } {
  if (loaded) return loaded;
  const path = procfdPath();
  try {
    if (!existsSync(path)) throw new Error(`${path} is missing (npm install builds it; it needs a C compiler)`);
    const m = createRequire(import.meta.url)(path) as { version?: unknown };
    if (m.version !== PROCFD_VERSION)
      throw new Error(`${path} is version ${String(m.version)}, not ${PROCFD_VERSION}: rebuild it (node scripts/build-native.mjs)`);
    loaded = { addon: m, why: '' };
  } catch (e) {
    loaded = { addon: null, why: (e as Error).message };
  }
  return loaded;
}
