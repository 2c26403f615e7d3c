/**
 * electron-vite build of the desktop app: the main process (ESM, out/main),
 * the sandboxed preload (CommonJS, out/preload/index.cjs) and the renderer
 * (out/renderer, the same build the browser host serves). In the main
 * bundle the bare 'better-sqlite3' import resolves to a shim that loads the
 * addon built for Electron's ABI (src-main/host/electron-sqlite.ts); the
 * import worker's entry (out/main/import-worker.js) gets the same shim.
 */
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';
// @ts-expect-error: a plain .mjs module without types
import { rendererConfig } from './scripts/build-renderer.mjs';

const r = rendererConfig();

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      externalizeDeps: { exclude: ['zod', 'better-sqlite3'] },
      rollupOptions: {
        // The import worker loads its module by URL (src-main/store/import-thread.ts).
        // As an input it is a chunk of its own that imports only what it uses:
        // left a dynamic import, rollup may have it import shared code from
        // index.js, and loading that in the worker would start a second app.
        input: { index: resolve('src-main/host/electron-main.ts'), 'import-worker': resolve('src-main/store/import-worker.ts') },
        external: ['electron', 'koffi'],
      },
    },
    resolve: { alias: [{ find: /^better-sqlite3$/, replacement: resolve('src-main/host/electron-sqlite.ts') }] },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve('src-main/host/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
        external: ['electron'],
      },
    },
  },
  renderer: {
    root: r.root,
    base: r.base,
    plugins: r.plugins,
    // rolldownOptions, not rollupOptions: the renderer config already has rolldownOptions (its checks),
    // and electron-vite reads the input from those when they exist.
    build: { ...r.build, minify: true, rolldownOptions: { ...r.build.rolldownOptions, input: resolve('src-renderer/index.html') } },
  },
});
