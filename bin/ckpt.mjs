#!/bin/sh
':' //; unset NODE_EXTRA_CA_CERTS; [ "$1" = capture ] && exec node --min-semi-space-size=64 --max-semi-space-size=64 --no-turbo-inlining "$0" "$@"; exec node "$0" "$@"
// The two lines above are sh, and the second is also a string and a
// comment to JavaScript: run as a program, this file re-executes itself
// with node, and
// - minus NODE_EXTRA_CA_CERTS: ckpt makes no TLS connections, and where
//   that variable is set (corporate proxies, this project's CI) node parses
//   every certificate in the bundle before running a line of ours, about
//   30 ms of every start, a tenth of a capture of 30,000 fds;
// - for a capture, with a young generation big enough that a capture of
//   tens of thousands of fds needs no scavenge: everything it allocates
//   lives until the image is written, so a scavenge only copies it (about
//   20 ms of a 30,000-fd capture);
// - for a capture, with TurboFan not inlining: a capture runs each of its
//   loops once, and the optimizing compiler's threads spent about 75 ms of
//   CPU on it, much of it on inlined copies of functions it also compiles
//   on their own; without inlining about 60, while the main thread's time
//   stays the same (measured on 30,000 fds).
// Runs the bundled CLI. In a checkout it first rebuilds the bundle when a
// source it was built from changed (out/cli/inputs.json lists them: a few
// dozen stats, not a walk of the tree) or when there is no build yet.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// fs by require, not import: see scripts/build-cli.mjs (fsByRequire).
const { existsSync, readFileSync, readdirSync, statSync } = createRequire(import.meta.url)('node:fs');
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'out', 'cli', 'ckpt.mjs');
const builder = join(root, 'scripts', 'build-cli.mjs');

/** Whether `out` is missing or older than an input `list` (a build's JSON list, paths relative to root) names. */
function outdated(out, list) {
  try {
    const built = statSync(out).mtimeMs;
    return JSON.parse(readFileSync(list, 'utf8')).some((p) => {
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

function stale() {
  if (!existsSync(bundle)) return true;
  // An installed package ships the bundle without sources or builder.
  if (!existsSync(builder) || !existsSync(join(root, 'src-main'))) return false;
  return outdated(bundle, join(root, 'out', 'cli', 'inputs.json'));
}

// The native /proc reader, when a source is newer than its build (a
// checkout only; without a compiler captures fall back, so no error here),
// or when it was built without clang (its BPF snapshot): the builder
// decides whether clang is there now.
const nativeBuilder = join(root, 'scripts', 'build-native.mjs');
if (existsSync(nativeBuilder) && existsSync(join(root, 'src-native'))) {
  const native = join(root, 'out', 'native');
  if (outdated(join(native, 'procfd.node'), join(native, 'inputs.json')) || existsSync(join(native, 'gen', 'no-bpf.txt')))
    try {
      (await import(pathToFileURL(nativeBuilder).href)).buildNative();
    } catch {
      /* captures say which reader they used */
    }
}

// `ckpt capture --all` spends most of its time in the kernel: start that
// now, on the native reader's threads, before the CLI is even loaded (an
// ESM import costs several ms; a require of the addon does not). The
// capture adopts the job (procfd-reader.ts's readAheadAll, which checks
// the addon's version and cancels a job it cannot use); nothing here may
// fail a command. With --freeze reading must wait for the stop.
const argv = process.argv.slice(2);
if (
  argv[0] === 'capture' &&
  argv.includes('--all') &&
  !argv.some((a) => a === '--freeze' || a === '--help' || a === '-h' || a.startsWith('--sim')) &&
  process.env.CKPT_CAPTURE_READER !== 'js'
)
  try {
    const m = createRequire(import.meta.url)(process.env.CKPT_PROCFD ?? join(root, 'out', 'native', 'procfd.node'));
    const pids = [];
    for (const n of readdirSync('/proc')) if (n.charCodeAt(0) >= 48 && n.charCodeAt(0) <= 57 && Number(n) !== process.pid) pids.push(Number(n));
    pids.sort((a, b) => a - b);
    const threads = Number(process.env.CKPT_CAPTURE_THREADS) >= 1 ? Number(process.env.CKPT_CAPTURE_THREADS) : availableParallelism();
    globalThis[Symbol.for('checkpoint-studio.readAhead')] = { module: m, procRoot: '/proc', pids, job: m.start('/proc', Int32Array.from(pids), threads, process.env.CKPT_CAPTURE_SNAPSHOT !== 'off') };
  } catch {
    /* the capture itself reports what is wrong */
  }

if (stale()) {
  const { buildCli } = await import(pathToFileURL(builder).href);
  await buildCli();
}
// A capture ends with a heap of tens of MB (every fd's open file lives
// until the image is written): a natural exit then tears the V8 heap down
// page by page, about 10 ms of wall time and 5 of CPU for nothing. When the
// event loop is empty (beforeExit: the image is written, every write and
// handle done) exit at once, with the exit code the command set; 'exit'
// listeners still run.
if (argv[0] === 'capture') process.once('beforeExit', () => process.exit());
// A live capture loads its code in three waves of dynamic imports (the
// CLI's main, the command, the /proc source), each waiting for its files
// while the readers keep both cores busy: out/cli/preload.json (written by
// the build) names the chunks of all three, imported here at once, beside
// the entry. Only an early start: a chunk that fails to load fails again,
// and is reported, where the CLI imports it.
if (argv[0] === 'capture' && !argv.some((a) => a === '--help' || a === '-h' || a.startsWith('--sim')))
  try {
    const cli = join(root, 'out', 'cli');
    for (const c of JSON.parse(readFileSync(join(cli, 'preload.json'), 'utf8')).capture) import(pathToFileURL(join(cli, c)).href).catch(() => {});
  } catch {
    /* no list (an older build): the CLI imports them as it goes */
  }
await import(pathToFileURL(bundle).href);
