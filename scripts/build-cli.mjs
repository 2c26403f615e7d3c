// Bundles the CLI into out/cli/: the entry ckpt.mjs plus one chunk per
// command's dependencies (loaded on demand), and inputs.json, the source
// files it was built from, so bin/ckpt.mjs can tell cheaply when it is stale.
import { build } from 'esbuild';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
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
  // A live capture loads its code after the entry in three waves of dynamic
  // imports (the CLI's main, the command, the /proc source), each waiting
  // for its files before the next can start; preload.json names every chunk
  // of the three, so bin/ckpt.mjs can import them at once beside the entry.
  const outs = r.metafile.outputs;
  const chunkOf = new Map(Object.entries(outs).flatMap(([p, o]) => (o.entryPoint ? [[o.entryPoint, p]] : [])));
  const closure = (p, into) => {
    if (!p || into.has(p) || !outs[p]) return;
    into.add(p);
    for (const i of outs[p].imports) if (i.kind === 'import-statement') closure(i.path, into);
  };
  const atStart = new Set();
  closure(chunkOf.get('src-main/cli/ckpt.ts'), atStart);
  const capture = new Set();
  for (const e of ['src-main/cli/main.ts', 'src-main/cli/commands/capture.ts', 'src-main/sources/proc/index.ts'])
    closure(chunkOf.get(e), capture);
  const preload = [...capture].filter((p) => !atStart.has(p)).map((p) => relative(outdir, join(root, p)));
  writeFileSync(join(outdir, 'preload.json'), JSON.stringify({ capture: preload }));
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
