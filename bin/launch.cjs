// What both launchers do before the CLI runs (bin/ckpt.mjs, and
// bin/capture.cjs for `ckpt capture`): rebuild what is stale in a checkout,
// and start reading every process for `capture --all`. CommonJS, so the
// capture's launcher runs without node's ES module loader.
'use strict';
const { existsSync, readFileSync, readdirSync, statSync } = require('node:fs');
const { availableParallelism } = require('node:os');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const root = join(__dirname, '..');
const cli = join(root, 'out', 'cli');

/**
 * The newest modification time of `paths` (relative to root), Infinity
 * when one is missing. `addon`: the procfd addon, whose newestMtime stats
 * them in C (~0.3 ms for the CLI's ~200 sources, where fs.statSync's cold
 * path takes ~4 ms of every start); not for the addon's own inputs, which
 * are checked before it may be rebuilt (a module once required stays).
 */
function newestMtime(paths, addon) {
  if (typeof addon?.newestMtime === 'function') return addon.newestMtime(paths.map((p) => join(root, p)));
  let newest = 0;
  for (const p of paths)
    try {
      newest = Math.max(newest, statSync(join(root, p)).mtimeMs);
    } catch {
      return Infinity;
    }
  return newest;
}

/** Whether `out` is missing or older than an input `list` (a build's JSON list, paths relative to root) names. */
function outdated(out, list, addon) {
  try {
    return newestMtime(JSON.parse(readFileSync(list, 'utf8')), addon) > statSync(out).mtimeMs;
  } catch {
    return true;
  }
}

/** The procfd addon, once nativeFresh has had its say; null where it is not built. */
function addon() {
  try {
    return require(process.env.CKPT_PROCFD ?? join(root, 'out', 'native', 'procfd.node'));
  } catch {
    return null;
  }
}

/**
 * The native /proc reader, rebuilt when a source is newer than its build
 * (a checkout only; without a compiler captures fall back, so no error
 * here), or when it was built without its BPF snapshot for want of a tool:
 * the builder decides whether the tools are there now.
 */
async function nativeFresh() {
  const nativeBuilder = join(root, 'scripts', 'build-native.mjs');
  if (!existsSync(nativeBuilder) || !existsSync(join(root, 'src-native'))) return;
  const native = join(root, 'out', 'native');
  if (outdated(join(native, 'procfd.node'), join(native, 'inputs.json')) || existsSync(join(native, 'gen', 'no-bpf.txt')))
    try {
      (await import(pathToFileURL(nativeBuilder).href)).buildNative();
    } catch {
      /* captures say which reader they used */
    }
}

/**
 * `ckpt capture --all` spends most of its time in the kernel: start that
 * now, on the native reader's threads, before the CLI is even loaded. The
 * capture adopts the job (procfd-reader.ts's readAheadAll, which checks
 * the addon's version and cancels a job it cannot use; its readAheadForArgv
 * makes the same test of the command line); nothing here may fail a
 * command. With --freeze reading must wait for the stop.
 */
function readAhead(argv) {
  if (
    argv[0] !== 'capture' ||
    !argv.includes('--all') ||
    argv.some((a) => a === '--freeze' || a === '--help' || a === '-h' || a.startsWith('--sim')) ||
    process.env.CKPT_CAPTURE_READER === 'js'
  )
    return;
  try {
    const m = addon();
    const pids = [];
    // Not this process, nor its prefault's toucher (src-native/prefault.c).
    const toucher = m.prefaultPid?.() ?? 0;
    for (const n of readdirSync('/proc'))
      if (n.charCodeAt(0) >= 48 && n.charCodeAt(0) <= 57 && Number(n) !== process.pid && Number(n) !== toucher) pids.push(Number(n));
    pids.sort((a, b) => a - b);
    // As procfd-reader.ts's defaultThreads: a core for the main thread.
    const threads =
      Number(process.env.CKPT_CAPTURE_THREADS) >= 1 ? Number(process.env.CKPT_CAPTURE_THREADS) : Math.max(1, availableParallelism() - 1);
    globalThis[Symbol.for('checkpoint-studio.readAhead')] = {
      module: m,
      procRoot: '/proc',
      pids,
      job: m.start('/proc', Int32Array.from(pids), threads, process.env.CKPT_CAPTURE_SNAPSHOT !== 'off'),
    };
  } catch {
    /* the capture itself reports what is wrong */
  }
}

/**
 * Rebuilds the CLI's bundles (out/cli) in a checkout when a source they
 * were built from changed (out/cli/inputs.json lists them: a few dozen
 * stats, not a walk of the tree) or when there is no build yet. An
 * installed package ships them without sources or builder.
 */
async function cliFresh() {
  const builder = join(root, 'scripts', 'build-cli.mjs');
  const entry = join(cli, 'ckpt.mjs');
  if (existsSync(entry) && (!existsSync(builder) || !existsSync(join(root, 'src-main')))) return;
  if (existsSync(entry) && !outdated(entry, join(cli, 'inputs.json'), addon()) && captureBundleThere()) return;
  await (await import(pathToFileURL(builder).href)).buildCli();
}

/** The capture's bundle that out/cli/preload.json names is on disk (a build from before it names none). */
function captureBundleThere() {
  try {
    const b = JSON.parse(readFileSync(join(cli, 'preload.json'), 'utf8')).captureBundle;
    return typeof b !== 'string' || existsSync(join(cli, b));
  } catch {
    return false;
  }
}

/**
 * A capture ends with a heap of tens of MB (every fd's open file lives
 * until the image is written): a natural exit then tears the V8 heap down
 * page by page, about 10 ms of wall time and 5 of CPU for nothing. When
 * the event loop is empty (beforeExit: the image is written, every write
 * and handle done) exit at once, with the exit code the command set; 'exit'
 * listeners still run.
 */
function exitWhenDone() {
  process.once('beforeExit', () => {
    // After every other 'exit' listener (the code cache is made in one):
    // the addon ends the process and leaves its teardown to a child
    // (src-native/exit-early.c). CKPT_EXIT_EARLY=0: node's own exit.
    // Not under NODE_V8_COVERAGE, which node writes at its own exit.
    const m = process.env.CKPT_EXIT_EARLY === '0' || process.env.NODE_V8_COVERAGE ? null : addon();
    // process.exitCode: an earlier listener may have set it.
    if (m?.exitEarly) process.on('exit', (code) => m.exitEarly(Number(process.exitCode ?? code) || 0));
    process.exit();
  });
}

module.exports = { root, cli, addon, nativeFresh, readAhead, cliFresh, exitWhenDone };
