/**
 * Arguments as the bytes they were. Node decodes argv as UTF-8 and turns
 * each byte that is not UTF-8 into U+FFFD, so `ckpt capture -o $'x\xff'`
 * would write x\xef\xbf\xbd and `ckpt search $'x\xff'` would look for the
 * wrong name. Such an argument is recovered from /proc/self/cmdline and
 * given to the command in the form queries match such names by, their
 * displayed form (queryTextOfBytes: bytes as \xNN, controls as \x1b, a
 * backslash as \\; the query's quotes and spaces as typed); a file argument is opened by its bytes
 * (readablePath), and an output or library path that cannot be kept exact
 * is refused (exactPath), never replaced by another name.
 */
import { openSync, readFileSync } from 'node:fs';
import { displayBStr, queryTextOfBytes } from '../../src-shared/model/index.js';
import { UsageError } from './args.js';
import { cannotOpenText } from '../util/open-error.js';

const bytesOf = new Map<string, Buffer>();

function isUtf8(b: Buffer): boolean {
  return Buffer.from(b.toString('utf8'), 'utf8').equals(b);
}

/** `argv` (process.argv after the script), each argument Node could not decode exactly replaced as above. */
export function exactArgv(argv: string[], cmdline = '/proc/self/cmdline'): string[] {
  if (!argv.some((a) => a.includes('\ufffd'))) return argv;
  let parts: Buffer[];
  try {
    const all = readFileSync(cmdline);
    parts = [];
    for (let at = 0; at < all.length;) {
      const end = all.indexOf(0, at);
      parts.push(all.subarray(at, end < 0 ? all.length : end));
      at = end < 0 ? all.length : end + 1;
    }
  } catch {
    return argv;
  }
  // The arguments are the last entries: node's own options and the script come first.
  const raw = parts.slice(-argv.length);
  if (raw.length !== argv.length || raw.some((b, i) => b.toString('utf8') !== argv[i])) return argv;
  return argv.map((a, i) => {
    const b = raw[i]!;
    if (!a.includes('\ufffd') || isUtf8(b)) return a;
    const s = queryTextOfBytes(b);
    bytesOf.set(s, Buffer.from(b));
    return s;
  });
}

/** The bytes an argument stood for, when exactArgv had to rewrite it. */
export function argBytes(arg: string): Buffer | undefined {
  return bytesOf.get(arg);
}

/** An argument as messages show it: its own bytes, escaped. */
export function argShown(arg: string): string {
  return displayBStr(bytesOf.get(arg) ?? arg);
}

/**
 * A file argument as a path that reaches it: as it is, or, for one that is
 * not UTF-8 and names a file or directory by its bytes, that file opened
 * and named through /proc/PID/fd (PID, not self: a tar or zstd the command
 * starts reads it too), shown by argShown as its own name. The file stays
 * open until the command ends. A name that opens nothing is an error,
 * naming it (no library image can be named by bytes that are not
 * UTF-8).
 */
export function readablePath(arg: string): string {
  const b = bytesOf.get(arg);
  if (!b) return arg;
  let fd: number;
  try {
    fd = openSync(b, 'r');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw Object.assign(new Error(cannotOpenText(b, err)), { code: err.code });
  }
  const path = `/proc/${process.pid}/fd/${fd}`;
  bytesOf.set(path, b);
  return path;
}

/** A path to write or create: refused when it is not UTF-8, since it could not be kept exact. */
export function exactPath(option: string, arg: unknown): void {
  if (typeof arg === 'string' && bytesOf.has(arg))
    throw new UsageError(
      `${option} ${argShown(arg)}: the name holds bytes that are not UTF-8, which ckpt cannot keep exact here; choose another name${option === '-o' ? ' (or -o - and redirect)' : ''}`,
    );
}
