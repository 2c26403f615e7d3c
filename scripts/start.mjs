// `npm start`: the desktop app in Electron when an Electron binary exists
// (fetching it on demand where the network allows), otherwise the same app
// in a browser through the loopback host, saying why and printing the URL.
// CKPT_BROWSER=1 skips Electron; CKPT_NO_FETCH=1 skips the download attempt.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** The Electron executable, or the reason there is none. */
export function electronBinary() {
  try {
    const p = require('electron');
    if (typeof p === 'string' && existsSync(p)) return { path: p };
    return { why: `the electron package names ${p}, which does not exist` };
  } catch (e) {
    return { why: `no Electron binary is installed (${e.message.split('\n')[0]})` };
  }
}

function fetchElectron() {
  if (process.env.CKPT_NO_FETCH === '1') return false;
  console.error('start: no Electron binary; trying to download it (node_modules/electron/install.js) ...');
  // Its progress goes through; a failure is one line, not a stack trace (offline is the common case).
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'electron', 'install.js')], {
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (r.status !== 0) {
    const first = (r.stderr || r.error?.message || '').split('\n').find((l) => l.trim()) ?? `exit ${r.status}`;
    console.error(`start: the download failed: ${first.trim()}`);
  }
  return r.status === 0;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) throw new Error(`${[cmd, ...args].join(' ')} failed (${r.status ?? r.signal})`);
}

function browserHost(why) {
  console.error(`start: ${why}; starting the browser host instead.`);
  run(process.execPath, [join(root, 'scripts', 'build-renderer.mjs')]);
  console.error('start: open the URL below in a browser on this machine (Ctrl-C stops the server).');
  const child = spawn(process.execPath, [join(root, 'bin', 'ckpt.mjs'), 'serve', ...process.argv.slice(2)], {
    stdio: 'inherit',
    cwd: root,
  });
  const stop = () => child.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  child.on('exit', (code) => process.exit(code ?? 0));
}

async function electron(binary) {
  run(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build']);
  const { buildElectronSqlite } = await import('./electron-native.mjs');
  try {
    buildElectronSqlite();
  } catch (e) {
    return browserHost(`Electron is there but better-sqlite3 could not be built for it (${e.message.split('\n')[0]})`);
  }
  const child = spawn(binary, [root, ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
  child.on('exit', (code) => process.exit(code ?? 0));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.env.CKPT_BROWSER === '1') browserHost('CKPT_BROWSER=1');
  else {
    let e = electronBinary();
    if (!e.path && fetchElectron()) e = electronBinary();
    if (e.path) await electron(e.path);
    else browserHost(e.why);
  }
}
