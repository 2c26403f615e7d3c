#!/bin/sh
':' //; unset NODE_EXTRA_CA_CERTS; [ "$1" = capture ] && exec node --min-semi-space-size=32 --max-semi-space-size=64 --no-turbo-inlining --no-use-osr -e "require(require('fs').realpathSync(process.argv[1]).replace(/[^/]*$/, 'capture.cjs'))" "$0" "$@"; exec node "$0" "$@"
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
//   20 ms of a 30,000-fd capture). 32 MiB holds about 40,000 fds (about
//   0.7 KiB each); more costs at start: V8 sets up each 256 KiB page of it
//   before the first line runs, and on a virtual machine with shadow page
//   tables 64 MiB took 60 ms there against 32's 30 (node -e 0). Its pages
//   are then mapped in off the main thread by the addon (src-native/prefault.c);
// - for a capture, with TurboFan not inlining: a capture runs each of its
//   loops once, and the optimizing compiler's threads spent about 75 ms of
//   CPU on it, much of it on inlined copies of functions it also compiles
//   on their own; without inlining about 60, while the main thread's time
//   stays the same (measured on 30,000 fds);
// - for a capture, without on-stack replacement: TurboFan compiled a second
//   copy of functions whose loops ran hot once (the writer's run and table,
//   the sharing's bucketize, the socket table's parse), ~5 ms of a capture
//   of 30,000 fds in CPU the readers want (hyperfine: 148 -> 143 ms);
// - for a capture, through its own launcher, bin/capture.cjs (found beside
//   this file's real path: npm links this one), by `node -e`: CommonJS, so
//   node's ES module loader never starts (see there).
// Runs the bundled CLI (bin/launch.cjs rebuilds what is stale first, in a
// checkout). `node bin/ckpt.mjs capture` comes here too, without the flags.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const { cli, nativeFresh, readAhead, cliFresh, exitWhenDone } = require('./launch.cjs');
// fs by require, not import: see scripts/build-cli.mjs (fsByRequire).
const { readFileSync } = require('node:fs');

const argv = process.argv.slice(2);
await nativeFresh();
readAhead(argv);
await cliFresh();
if (argv[0] === 'capture') exitWhenDone();
// A live capture loads its code in three waves of dynamic imports (the
// CLI's main, the command, the /proc source), each waiting for its files
// while the readers keep both cores busy: out/cli/preload.json (written by
// the build) names the chunks of all three, imported here at once, beside
// the entry. Only an early start: a chunk that fails to load fails again,
// and is reported, where the CLI imports it.
if (argv[0] === 'capture' && !argv.some((a) => a === '--help' || a === '-h' || a.startsWith('--sim')))
  try {
    for (const c of JSON.parse(readFileSync(join(cli, 'preload.json'), 'utf8')).capture) import(pathToFileURL(join(cli, c)).href).catch(() => {});
  } catch {
    /* no list (an older build): the CLI imports them as it goes */
  }
await import(pathToFileURL(join(cli, 'ckpt.mjs')).href);
