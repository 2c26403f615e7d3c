/**
 * Where the built renderer lives, found the same way from the CLI bundle
 * (out/cli/ckpt.mjs), from sources run by tsx, and from the Electron main
 * bundle: walk up to the package root, then out/renderer.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'checkpoint-studio') return dir;
      } catch {
        /* not ours; keep walking */
      }
    }
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

export function rendererDir(env: Record<string, string | undefined> = process.env): string {
  return env.CKPT_RENDERER_DIR ?? join(packageRoot(), 'out', 'renderer');
}
