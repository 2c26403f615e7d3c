#!/usr/bin/env node
// Builds the procfd addon (src-native/procfd.c -> out/native/procfd.node)
// with the system C compiler and the Node-API headers from the
// node-api-headers package: no node-gyp, no header download. Node-API is
// ABI-stable, so the one build loads in Node and in Electron.
//
// Never fails an install: without a compiler, captures fall back to the
// JavaScript reader (slower, same images) and this says so. `--strict`
// makes a failed build an error (CI uses it, so a broken addon is seen).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const NATIVE_SOURCE = join(root, 'src-native', 'procfd.c');
export const NATIVE_OUT = join(root, 'out', 'native', 'procfd.node');

function headerDirs() {
  const dirs = [];
  try {
    const req = createRequire(import.meta.url);
    dirs.push(join(dirname(req.resolve('node-api-headers/package.json')), 'include'));
  } catch {
    // not installed: the Node installation's own headers, where it has them
  }
  dirs.push(join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node');
  return dirs.filter((d) => existsSync(join(d, 'node_api.h')));
}

function fresh() {
  try {
    const built = statSync(NATIVE_OUT).mtimeMs;
    return statSync(NATIVE_SOURCE).mtimeMs <= built && statSync(fileURLToPath(import.meta.url)).mtimeMs <= built;
  } catch {
    return false;
  }
}

/** Returns null on success, else why it could not build. */
export function buildNative({ force = false } = {}) {
  if (process.platform !== 'linux') return 'live capture reads /proc: Linux only';
  if (!force && fresh()) return null;
  const inc = headerDirs();
  if (inc.length === 0) return 'no Node-API headers (npm install node-api-headers)';
  mkdirSync(dirname(NATIVE_OUT), { recursive: true });
  const tmp = `${NATIVE_OUT}.${process.pid}.tmp`;
  const cc = process.env.CC || 'cc';
  const args = [
    '-O2',
    '-std=gnu11',
    '-Wall',
    '-Wextra',
    '-Wno-unused-parameter',
    // Paths in error records are cut at 4 KB on purpose.
    '-Wno-format-truncation',
    '-fPIC',
    '-shared',
    '-pthread',
    '-fvisibility=hidden',
    `-I${inc[0]}`,
    '-o',
    tmp,
    NATIVE_SOURCE,
  ];
  const r = spawnSync(cc, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    rmSync(tmp, { force: true });
    const why = r.error ? r.error.message : (r.stderr || '').trim().split('\n').slice(0, 20).join('\n');
    return `${cc} failed: ${why}`;
  }
  renameSync(tmp, NATIVE_OUT);
  if (r.stderr.trim()) process.stderr.write(`checkpoint-studio: compiler warnings building the /proc reader:\n${r.stderr}`);
  return null;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const strict = process.argv.includes('--strict');
  const why = buildNative({ force: process.argv.includes('--force') });
  if (why) {
    process.stderr.write(
      `checkpoint-studio: the native /proc reader was not built (${why}).\n` +
        'Live captures will use the slower JavaScript reader; images are the same.\n',
    );
    process.exit(strict ? 1 : 0);
  }
}
