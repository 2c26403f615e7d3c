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
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const NATIVE_OUT = join(root, 'out', 'native', 'procfd.node');
/** Every input of the addon, relative to the package root; bin/launch.cjs rebuilds when one is newer (out/native/inputs.json). */
const NATIVE_INPUTS = [
  'scripts/build-native.mjs',
  ...[
    'procfd.c',
    'bpf-snapshot.c',
    'bpf-snapshot.h',
    'sha256.c',
    'sha256.h',
    'prefault.c',
    'prefault.h',
    'exit-early.c',
    'exit-early.h',
    'vm-child.h',
    'handle.h',
    'fdsnap.bpf.c',
  ].map((f) => `src-native/${f}`),
];
const INPUTS_LIST = join(dirname(NATIVE_OUT), 'inputs.json');
const BPF_SOURCE = join(root, 'src-native', 'fdsnap.bpf.c');

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

/** Where a build says why it has no BPF snapshot (absent: it has one). */
const BPF_MISSING = join(dirname(NATIVE_OUT), 'gen', 'no-bpf.txt');

/** The last build had no BPF snapshot because a tool was not found (clang, bpftool, libbpf's header), and all are found now. */
function bpfMissingButToolsNow() {
  try {
    if (!readFileSync(BPF_MISSING, 'utf8').includes('not found')) return false;
  } catch {
    return false;
  }
  // Looked up, not run: every ckpt command of a machine without them asks.
  return bpfToolMissing() === null;
}

function fresh() {
  try {
    // Built without clang or bpftool, and they are there now: build again,
    // with them (not after one failed: that would fail again on every start).
    if (bpfMissingButToolsNow()) return false;
    const built = statSync(NATIVE_OUT).mtimeMs;
    return NATIVE_INPUTS.every((f) => statSync(join(root, f)).mtimeMs <= built);
  } catch {
    return false;
  }
}

/** A tool on PATH or in the sbin directories (bpftool lives in /usr/sbin), or its env override; null when none. */
function findTool(name, env) {
  const given = process.env[env];
  if (given) return given.includes('/') ? (existsSync(given) ? given : null) : findTool(given, '');
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const d of dirs) if (d && existsSync(join(d, name))) return join(d, name);
  return null;
}

/** libbpf's skel_internal.h, which a light skeleton includes (libbpf-dev), under one of these include dirs. */
const SKEL_INCLUDE_DIRS = ['/usr/include', '/usr/local/include'];

/** What the BPF program's build needs and this machine lacks ("... not found"), or null. */
function bpfToolMissing() {
  if (!findTool('clang', 'CKPT_CLANG')) return 'clang not found';
  if (!findTool('bpftool', 'CKPT_BPFTOOL')) return 'bpftool not found';
  if (!SKEL_INCLUDE_DIRS.some((d) => existsSync(join(d, 'bpf', 'skel_internal.h')))) return 'bpf/skel_internal.h not found (libbpf-dev)';
  return null;
}

/**
 * fdsnap.bpf.c as a light skeleton for the addon to embed (the BPF
 * snapshot, src-native/bpf-snapshot.c): clang compiles it, bpftool wraps it
 * with the loader the kernel runs, into dir/fdsnap.lskel.h; null, or why
 * not (the addon is built without it then and reads /proc alone).
 */
function buildBpf(dir) {
  const missing = bpfToolMissing();
  if (missing) return missing;
  const clang = findTool('clang', 'CKPT_CLANG');
  const bpftool = findTool('bpftool', 'CKPT_BPFTOOL');
  const obj = join(dir, `fdsnap.bpf.${process.pid}.o`);
  try {
    const r = spawnSync(clang, ['-O2', '-g', '-target', 'bpf', '-Wall', '-c', BPF_SOURCE, '-o', obj], { encoding: 'utf8' });
    if (r.error || r.status !== 0)
      return `clang failed: ${(r.error?.message ?? r.stderr ?? '').trim().split('\n').slice(0, 10).join('\n')}`;
    const g = spawnSync(bpftool, ['gen', 'skeleton', '-L', obj, 'name', 'fdsnap'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (g.error || g.status !== 0)
      return `bpftool failed: ${(g.error?.message ?? g.stderr ?? '').trim().split('\n').slice(0, 10).join('\n')}`;
    const out = join(dir, 'fdsnap.lskel.h');
    writeFileSync(
      `${out}.${process.pid}.tmp`,
      `/* Made by scripts/build-native.mjs from src-native/fdsnap.bpf.c with ${clang} and ${bpftool}. */\n${g.stdout}`,
    );
    renameSync(`${out}.${process.pid}.tmp`, out); // whole, for a build running beside this one
    return null;
  } finally {
    rmSync(obj, { force: true });
  }
}

/** Returns null on success, else why it could not build. */
export function buildNative({ force = false } = {}) {
  if (process.platform !== 'linux') return 'live capture reads /proc: Linux only';
  if (!force && fresh()) {
    if (!existsSync(INPUTS_LIST)) writeFileSync(INPUTS_LIST, JSON.stringify(NATIVE_INPUTS)); // a build from before the list
    return null;
  }
  const inc = headerDirs();
  if (inc.length === 0) return 'no Node-API headers (npm install node-api-headers)';
  mkdirSync(dirname(NATIVE_OUT), { recursive: true });
  const tmp = `${NATIVE_OUT}.${process.pid}.tmp`;
  const cc = process.env.CC || 'cc';
  const gen = join(dirname(NATIVE_OUT), 'gen');
  mkdirSync(gen, { recursive: true });
  const bpfWhyNot = buildBpf(gen);
  // bpf-snapshot.c says why, in the build without the program.
  writeFileSync(join(gen, 'bpf-why.h'), `#define PROCFD_BPF_WHY ${JSON.stringify(bpfWhyNot ?? '')}\n`);
  rmSync(join(gen, 'fdsnap.bpf.inc'), { force: true }); // the embedded object of builds before the skeleton
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
    `-I${gen}`,
    ...(bpfWhyNot ? [] : ['-DPROCFD_BPF']),
    '-o',
    tmp,
    // The C sources among the inputs (not the BPF program's: embedded above).
    ...NATIVE_INPUTS.filter((f) => f.endsWith('.c') && !f.endsWith('.bpf.c')).map((f) => join(root, f)),
    '-ldl',
  ];
  const r = spawnSync(cc, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    rmSync(tmp, { force: true });
    const why = r.error ? r.error.message : (r.stderr || '').trim().split('\n').slice(0, 20).join('\n');
    return `${cc} failed: ${why}`;
  }
  renameSync(tmp, NATIVE_OUT);
  writeFileSync(INPUTS_LIST, JSON.stringify(NATIVE_INPUTS));
  if (bpfWhyNot) writeFileSync(BPF_MISSING, `${bpfWhyNot}\n`);
  else rmSync(BPF_MISSING, { force: true });
  // By writeSync, not process.stderr: bin/launch.cjs runs this in a capture's
  // process, where a stderr stream would leave a shared pipe non-blocking
  // before the addon notes how it came (src-native/exit-early.c).
  if (bpfWhyNot)
    writeSync(
      2,
      `checkpoint-studio: the /proc reader was built without its BPF snapshot (${bpfWhyNot}); captures read /proc alone, a little slower.\n`,
    );
  if (r.stderr.trim()) writeSync(2, `checkpoint-studio: compiler warnings building the /proc reader:\n${r.stderr}`);
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
