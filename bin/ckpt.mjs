#!/usr/bin/env node
// Runs the bundled CLI; builds it first when the checkout has no build yet
// (a fresh clone whose install skipped scripts) or the sources are newer.
import { existsSync, statSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'out', 'cli', 'ckpt.mjs');

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const srcDirs = ['src-main', 'src-shared'].map((d) => join(root, d)).filter(existsSync);
const stale = !existsSync(bundle) || (srcDirs.length > 0 && Math.max(...srcDirs.map(newestSource)) > statSync(bundle).mtimeMs);
if (stale && srcDirs.length > 0) {
  const { buildCli } = await import(pathToFileURL(join(root, 'scripts', 'build-cli.mjs')).href);
  await buildCli();
}
await import(pathToFileURL(bundle).href);
