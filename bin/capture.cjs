// `ckpt capture`'s launcher: bin/ckpt.mjs's first line runs it with the
// capture's V8 flags, through `node -e`, so no ES module loader starts (it
// is compiled afresh under those flags: node refuses its own code cache
// then). It runs the capture's own CommonJS bundle (out/cli/capture-HASH.cjs,
// from src-main/cli/capture-main.ts) with a V8 code cache beside it, made
// at exit by the first capture that ran without one (or with one V8 turned
// down), so later captures do not compile the bundle again. A cache is
// named by its bundle's content hash: V8 checks only a source's length.
'use strict';
const { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const { pathToFileURL } = require('node:url');
const vm = require('node:vm');
const launch = require('./launch.cjs');

/** A cache file: this magic, the SHA-256 of what follows, then V8's data. */
const MAGIC = Buffer.from('ckpt-cc1');

/**
 * SHA-256 through the addon (no node:crypto at a capture's start), or null
 * where it is not built: then no cache is read or made, as none could be
 * checked.
 */
function digestOf(bytes) {
  const m = launch.addon();
  const h = m?.sha256?.();
  if (!h) return null;
  m.sha256Update(h, bytes);
  return m.sha256Digest(h);
}

/**
 * V8's data in a cache file; null when the file is there but not whole,
 * undefined when there is none (or no addon to check one with). V8 checks
 * a cache's header, not its payload, and a damaged payload would crash
 * it: the file carries its own digest.
 */
function readCache(f) {
  let b;
  try {
    b = readFileSync(f);
  } catch {
    return undefined;
  }
  const body = b.subarray(MAGIC.length + 32);
  const whole = b.length > MAGIC.length + 32 && b.subarray(0, MAGIC.length).equals(MAGIC);
  const sum = whole ? digestOf(body) : null;
  // No addon, no check: as if there were none.
  if (whole && !sum) return undefined;
  return sum?.equals(b.subarray(MAGIC.length, MAGIC.length + 32)) ? body : null;
}

/**
 * Runs a CommonJS file as require would, with a code cache beside it where
 * there is one. A cache holds the functions the run that made it compiled,
 * so the best is one made by a capture of every process (`.all.cache`);
 * another capture makes one (`.cache`) only where there is none, and a
 * --help or a failed run makes none.
 */
function runCached(file, argv) {
  const source = readFileSync(file, 'utf8');
  const all = argv.includes('--all') && !argv.some((a) => a.startsWith('--sim'));
  let cacheFile;
  let cachedData;
  let damaged = false;
  for (const f of [`${file}.all.cache`, `${file}.cache`]) {
    const got = readCache(f);
    if (got === undefined) continue;
    cacheFile = f;
    if (got) cachedData = got;
    else damaged = true;
    break;
  }
  // (Its functions cannot import(): V8 drops what import() needs from code
  // it takes from a cache. scripts/build-cli.mjs fails a bundle with one.)
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const rejected = damaged || (cachedData !== undefined && script.cachedDataRejected);
  const allFile = `${file}.all.cache`;
  const which = (f) => (f === allFile ? 'all' : 'other');
  // None usable: this run's kind; an --all capture replaces another's.
  const make =
    cachedData === undefined || rejected ? (all ? allFile : `${file}.cache`) : all && cacheFile !== allFile ? allFile : undefined;
  if (process.env.CKPT_CAPTURE_TIMING) {
    const was = cacheFile === undefined ? 'none' : damaged ? 'damaged' : rejected ? 'turned down by V8' : `used (${which(cacheFile)})`;
    process.stderr.write(`code cache of ${file}: ${was}${make ? `, ${which(make)} made at exit` : ''}\n`);
  }
  if (make && !argv.some((a) => a === '--help' || a === '-h'))
    process.once('exit', (code) => {
      if (code !== 0) return;
      // Best effort: an installed package's directory may not be ours to
      // write. Synced before it is renamed into place: a cache is whole or
      // absent (and checked when read).
      const tmp = `${make}.${process.pid}.tmp`;
      let fd = -1;
      try {
        const data = script.createCachedData();
        const sum = digestOf(data);
        if (!sum) return;
        fd = openSync(tmp, 'wx', 0o644);
        writeSync(fd, Buffer.concat([MAGIC, sum, data]));
        fsyncSync(fd);
        closeSync(fd);
        fd = -1;
        renameSync(tmp, make);
        if (rejected && cacheFile !== make) rmSync(cacheFile, { force: true });
      } catch {
        if (fd >= 0) closeSync(fd);
        rmSync(tmp, { force: true });
      }
    });
  const module = { exports: {}, filename: file, id: file, loaded: false };
  script.runInThisContext()(module.exports, Module.createRequire(file), module, file, dirname(file));
}

(async () => {
  const argv = process.argv.slice(2);
  await launch.nativeFresh();
  // First thing with the addon: it maps in the young generation's pages
  // off this thread (src-native/prefault.c), which would otherwise fault
  // them in one by one as the capture allocates there. CKPT_PREFAULT=0
  // leaves them to it (for measuring what that saves).
  if (process.env.CKPT_PREFAULT !== '0') launch.addon()?.prefault?.();
  launch.readAhead(argv);
  await launch.cliFresh();
  launch.exitWhenDone();
  let bundle;
  try {
    bundle = JSON.parse(readFileSync(join(launch.cli, 'preload.json'), 'utf8')).captureBundle;
  } catch {
    bundle = undefined;
  }
  // A build from before the capture's own bundle: the CLI's.
  if (typeof bundle !== 'string') await import(pathToFileURL(join(launch.cli, 'ckpt.mjs')).href);
  else runCached(join(launch.cli, bundle), argv);
})().catch((e) => {
  process.stderr.write(`ckpt: cannot start: ${e?.message ?? String(e)}\n`);
  process.exitCode = 1;
});
