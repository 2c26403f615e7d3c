/**
 * better-sqlite3 for the Electron main process. Electron has its own Node
 * ABI, so its copy of the native addon is built apart (scripts/electron-
 * native.mjs puts it in out/native/electron/, electron-builder ships it in
 * resources/native/) and loaded with the `nativeBinding` option. The Node
 * build in node_modules/better-sqlite3/build stays as it is, so `npm test`
 * keeps working after the app has been started or packaged.
 *
 * electron.vite.config.ts aliases the bare 'better-sqlite3' import to this
 * module for the main bundle only; the store does not know.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './paths.js';

const require = createRequire(import.meta.url);
// A runtime require: the alias only rewrites bundled imports, so this is the real package.
const Real = require('better-sqlite3') as typeof import('better-sqlite3');

export function electronBinding(): string | undefined {
  const candidates = [
    process.env.CKPT_SQLITE_BINDING,
    (process as { resourcesPath?: string }).resourcesPath
      ? join((process as { resourcesPath?: string }).resourcesPath!, 'native', 'better_sqlite3.node')
      : undefined,
    join(packageRoot(), 'out', 'native', 'electron', 'better_sqlite3.node'),
  ];
  return candidates.find((c): c is string => typeof c === 'string' && existsSync(c));
}

type Options = ConstructorParameters<typeof Real>[1];

function Database(this: unknown, file?: string | Buffer, opts: Options = {}) {
  const nativeBinding = opts?.nativeBinding ?? electronBinding();
  return new Real(file, nativeBinding ? { ...opts, nativeBinding } : opts);
}
Database.prototype = Real.prototype;
Object.setPrototypeOf(Database, Real);

export default Database as unknown as typeof Real;
