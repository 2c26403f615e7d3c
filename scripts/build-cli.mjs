// Bundles the CLI into out/cli/: the entry ckpt.mjs plus one chunk per
// command's dependencies (loaded on demand), and inputs.json, the source
// files it was built from, so bin/ckpt.mjs can tell cheaply when it is stale.
import { build } from 'esbuild';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'out', 'cli');

export async function buildCli() {
  const r = await build({
    entryPoints: { ckpt: join(root, 'src-main/cli/ckpt.ts') },
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    metafile: true,
    // The metafile's paths are relative to this; bin/ckpt.mjs rebuilds from
    // whatever directory the user is in, and inputs.json must name root-relative paths.
    absWorkingDir: root,
    external: ['better-sqlite3', 'koffi', 'electron', 'playwright-core', '@playwright/test'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
  const inputs = Object.keys(r.metafile.inputs).filter((p) => !p.includes('node_modules'));
  writeFileSync(join(outdir, 'inputs.json'), JSON.stringify(inputs));
  // Chunks are named by content hash; a ckpt that started before this build
  // may still load its old ones, so only chunks unused for a while go.
  const current = new Set(Object.keys(r.metafile.outputs).map((p) => join(root, p)));
  const chunks = join(outdir, 'chunks');
  for (const f of readdirSync(chunks)) {
    const p = join(chunks, f);
    if (!current.has(p) && Date.now() - statSync(p).mtimeMs > 10 * 60_000) rmSync(p, { force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await buildCli();
