// Builds better-sqlite3 for Electron's ABI into out/native/electron/, apart
// from the Node build in node_modules/better-sqlite3/build that the tests
// use. Works on a copy of the package: first tries a prebuilt binary
// (prebuild-install --runtime electron), then compiles with node-gyp against
// Electron's headers. Both need the network; without it this says so and
// exits 1, and the app falls back to nothing (Electron cannot load the Node build).
import { cpSync, existsSync, mkdirSync, mkdtempSync, copyFileSync, rmSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'out', 'native', 'electron');
const target = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
const arch = process.env.npm_config_arch ?? process.arch;

export function buildElectronSqlite({ force = false } = {}) {
  const dest = join(out, 'better_sqlite3.node');
  if (existsSync(dest) && !force) return dest;
  const work = mkdtempSync(join(tmpdir(), 'ckpt-electron-sqlite-'));
  const pkg = join(work, 'better-sqlite3');
  cpSync(join(root, 'node_modules', 'better-sqlite3'), pkg, {
    recursive: true,
    filter: (p) => !p.includes(`${join('better-sqlite3', 'build')}`),
  });
  const bin = (n) => join(root, 'node_modules', '.bin', n);
  const attempts = [
    [bin('prebuild-install'), ['--runtime', 'electron', '--target', target, '--arch', arch, '--verbose']],
    [bin('node-gyp'), ['rebuild', '--release', `--target=${target}`, `--arch=${arch}`, '--dist-url=https://electronjs.org/headers']],
  ];
  const errors = [];
  try {
    for (const [cmd, args] of attempts) {
      try {
        execFileSync(cmd, args, { cwd: pkg, stdio: 'inherit' });
        const built = join(pkg, 'build', 'Release', 'better_sqlite3.node');
        if (existsSync(built)) {
          mkdirSync(out, { recursive: true });
          copyFileSync(built, dest);
          return dest;
        }
      } catch (e) {
        errors.push(`${cmd.split('/').pop()}: ${e.message.split('\n')[0]}`);
      }
    }
    throw new Error(`cannot build better-sqlite3 for Electron ${target}:\n  ${errors.join('\n  ')}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    console.log(buildElectronSqlite({ force: process.argv.includes('--force') }));
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
