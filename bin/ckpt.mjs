#!/usr/bin/env node
// Runs the bundled CLI. In a checkout it first rebuilds the bundle when a
// source it was built from changed (out/cli/inputs.json lists them: a few
// dozen stats, not a walk of the tree) or when there is no build yet.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'out', 'cli', 'ckpt.mjs');
const builder = join(root, 'scripts', 'build-cli.mjs');

function stale() {
  if (!existsSync(bundle)) return true;
  // An installed package ships the bundle without sources or builder.
  if (!existsSync(builder) || !existsSync(join(root, 'src-main'))) return false;
  try {
    const built = statSync(bundle).mtimeMs;
    const inputs = JSON.parse(readFileSync(join(root, 'out', 'cli', 'inputs.json'), 'utf8'));
    return inputs.some((p) => {
      try {
        return statSync(join(root, p)).mtimeMs > built;
      } catch {
        return true;
      }
    });
  } catch {
    return true;
  }
}

// The native /proc reader, when its source is newer than its build (a
// checkout only; without a compiler captures fall back, so no error here).
const nativeBuilder = join(root, 'scripts', 'build-native.mjs');
if (existsSync(nativeBuilder) && existsSync(join(root, 'src-native'))) {
  try {
    const src = statSync(join(root, 'src-native', 'procfd.c')).mtimeMs;
    const out = join(root, 'out', 'native', 'procfd.node');
    if (!existsSync(out) || statSync(out).mtimeMs < src) (await import(pathToFileURL(nativeBuilder).href)).buildNative();
  } catch {
    /* captures say which reader they used */
  }
}

if (stale()) {
  const { buildCli } = await import(pathToFileURL(builder).href);
  await buildCli();
}
await import(pathToFileURL(bundle).href);
