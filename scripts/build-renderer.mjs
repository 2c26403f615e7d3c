// Builds the renderer (Svelte 5) into out/renderer: what the browser host
// serves and the Electron window loads. Relative asset paths, so one build
// works from file:// and from /. electron.vite.config.ts reuses this config.
import { build } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function rendererConfig() {
  return {
    root: join(root, 'src-renderer'),
    base: './',
    configFile: false,
    plugins: [
      svelte({
        compilerOptions: { css: 'external' },
        onwarn: (w, h) => (w.code?.startsWith('a11y') ? console.warn(`svelte: ${w.filename}:${w.start?.line}: ${w.message}`) : h(w)),
      }),
    ],
    build: {
      outDir: join(root, 'out', 'renderer'),
      emptyOutDir: true,
      target: 'chrome120',
      sourcemap: true,
      chunkSizeWarningLimit: 2000,
      // Rolldown's note that the Svelte plugin takes most of a slow build
      // (a busy machine) is about the build tool, not the app: `npm start`
      // printed it before the app's URL.
      rolldownOptions: { checks: { bundlerTimings: false } },
    },
    logLevel: 'warn',
  };
}

export async function buildRenderer() {
  await build(rendererConfig());
}

if (import.meta.url === `file://${process.argv[1]}`) await buildRenderer();
