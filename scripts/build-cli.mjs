// Bundles the CLI into out/cli/: the entry ckpt.mjs plus one chunk per
// command's dependencies (loaded on demand), and inputs.json, the source
// files it was built from, so bin/ckpt.mjs can tell cheaply when it is stale.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'out', 'cli');

// Built into a directory of its own, then each file renamed into out/cli/,
// chunks first and the entry last: bin/launch.cjs rebuilds a stale bundle,
// and several ckpt started at once (a test suite after an edit) each
// rebuild, while others already import. Renames are atomic, so each reader
// sees a whole old file or a whole new one, never one half-written.
export async function buildCli() {
  const tmp = join(root, 'out', `cli-build-${process.pid}-${Date.now()}`);
  try {
    await buildInto(tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// An ES module's `import ... from 'node:fs'` has node fill the module's
// namespace with every export of fs, lazy ones too, and fs's lazy streams
// load node's stream modules (19 of them, compiled afresh: a capture runs
// with V8 flags that make node refuse its own code cache). A require of fs
// reads no export until it is used, so the bundle takes fs by require: a
// module of fs's plain exports (a getter would run in it: the build fails
// on an import of one, so none can come out undefined).
const fsByRequire = {
  name: 'fs-by-require',
  setup(b) {
    b.onResolve({ filter: /^(node:)?fs$/ }, (a) =>
      a.kind === 'import-statement' ? { path: 'node:fs', namespace: 'fs-by-require' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'fs-by-require' }, () => {
      const fs = createRequire(import.meta.url)('node:fs');
      const plain = Object.entries(Object.getOwnPropertyDescriptors(fs))
        .filter(([k, d]) => 'value' in d && /^[A-Za-z_$][\w$]*$/.test(k))
        .map(([k]) => k);
      return { contents: `const fs = require('node:fs');\nexport default fs;\nexport const { ${plain.join(', ')} } = fs;\n`, loader: 'js' };
    });
  },
};

/** What both bundles are built with. */
const COMMON = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  metafile: true,
  // The metafile's paths are relative to this; bin/launch.cjs rebuilds from
  // whatever directory the user is in, and inputs.json must name root-relative paths.
  absWorkingDir: root,
  external: ['better-sqlite3', 'koffi', 'electron', 'playwright-core', '@playwright/test'],
  logLevel: 'warning',
};

async function buildInto(tmp) {
  const r = await build({
    ...COMMON,
    entryPoints: { ckpt: join(root, 'src-main/cli/ckpt.ts') },
    outdir: tmp,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    splitting: true,
    format: 'esm',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    plugins: [fsByRequire],
  });
  // `ckpt capture`'s own bundle (src-main/cli/capture-main.ts): CommonJS in
  // one file, which bin/capture.cjs runs with a V8 code cache (no ES module
  // loader, no compile on every run). Named by its content's hash, as its
  // cache is (V8 checks only a source's length).
  const cap = await build({
    ...COMMON,
    entryPoints: { capture: join(root, 'src-main/cli/capture-main.ts') },
    outdir: tmp,
    entryNames: '[name]-[hash]',
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    minifyWhitespace: true,
    minifySyntax: true,
    // The ES modules' import.meta.url, which CommonJS has not: the bundle's own URL.
    define: { 'import.meta.url': '__ckptImportMetaUrl' },
    banner: { js: "const __ckptImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  const captureOuts = Object.keys(cap.metafile.outputs).map((p) => relative(tmp, join(root, p)));
  const captureBundle = captureOuts.find((f) => f.endsWith('.cjs'));
  // bin/capture.cjs runs it from a code cache, whose functions lose what
  // import() needs ("A dynamic import callback was not specified"): require.
  const dynamic = /\bimport\(/.exec(readFileSync(join(tmp, captureBundle), 'utf8'));
  if (dynamic) throw new Error(`${captureBundle} calls import() (at ${dynamic.index}): load it with require in code the capture bundles`);
  // (Not the plugin's module, named fs-by-require:node:fs: no file.)
  const inputs = [...new Set([...Object.keys(r.metafile.inputs), ...Object.keys(cap.metafile.inputs)])].filter(
    (p) => !p.includes('node_modules') && !p.startsWith('fs-by-require:'),
  );
  writeFileSync(join(tmp, 'inputs.json'), JSON.stringify(inputs));
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
  const preload = [...capture].filter((p) => !atStart.has(p)).map((p) => relative(tmp, join(root, p)));
  writeFileSync(join(tmp, 'preload.json'), JSON.stringify({ capture: preload, captureBundle }));
  // Into place: chunks, then the lists, then the entry (what names them all).
  const built = [...Object.keys(outs).map((p) => relative(tmp, join(root, p))), ...captureOuts];
  const last = new Set(['ckpt.mjs', 'ckpt.mjs.map']);
  mkdirSync(join(outdir, 'chunks'), { recursive: true });
  for (const f of [...built.filter((f) => !last.has(f)), 'inputs.json', 'preload.json', ...built.filter((f) => last.has(f))])
    renameSync(join(tmp, f), join(outdir, f));
  // Chunks are named by content hash; a ckpt that started before this build
  // may still load its old ones, so only chunks unused for a while go.
  // So do earlier capture bundles, with their code caches.
  const current = new Set(built.flatMap((f) => [join(outdir, f), join(outdir, `${f}.cache`), join(outdir, `${f}.all.cache`)]));
  const chunks = join(outdir, 'chunks');
  const old = [
    ...readdirSync(chunks).map((f) => join(chunks, f)),
    ...readdirSync(outdir)
      .filter((f) => /^capture-.*\.cjs/.test(f))
      .map((f) => join(outdir, f)),
  ];
  for (const p of old) {
    if (!current.has(p) && Date.now() - statSync(p).mtimeMs > 10 * 60_000) rmSync(p, { force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await buildCli();
