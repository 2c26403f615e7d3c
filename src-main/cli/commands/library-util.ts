/** What the library commands share: opening the store from --home, and compact text forms. */
import { argShown } from '../raw-argv.js';
import { Store, StoreError, resolveHome, type OpenOptions } from '../../store/index.js';
import type { ImageSummary } from '../../../src-shared/store-types.js';
import type { Parsed } from '../args.js';
import type { Io } from '../command.js';
import { displayBStr, type Snapshot } from '../../../src-shared/model/index.js';
import { encodeSnapshot } from '../../engine/writer.js';
import { ImageError } from '../../engine/errors.js';
import { cannotOpenText, directoryText } from '../../util/open-error.js';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * An image argument names a file when one exists there; anything else a
 * library image (an id, a prefix, or a label, which may hold a slash:
 * release/1.2). A directory is never an image: `logs` names the library's
 * image so labelled even where the current directory has a `logs/`.
 */
export function isImageFile(arg: string): boolean {
  try {
    return !statSync(arg).isDirectory();
  } catch {
    return false;
  }
}

export function isDirectory(arg: string): boolean {
  try {
    return statSync(arg).isDirectory();
  } catch {
    return false;
  }
}

/** An image argument as the engine reads it: `-` is standard input (fd 0), as `capture -o -` is standard output. */
export function imageInput(arg: string): string | number {
  return arg === '-' ? 0 : arg;
}

/** An image argument as messages name it: escaped, as every name is shown (a file name may hold a line break). */
export function imageName(arg: string): string {
  return arg === '-' ? 'standard input' : argShown(arg);
}

/**
 * `e`, an ImageError from reading `arg`, made to name it as verify and
 * import do (`c.ckpt: truncated at byte 1960 ...`); one that names it
 * already (cannot open or read it) stays as it is. Anything else as it is.
 */
export function namingFile<E>(arg: string, e: E): E {
  if (e instanceof ImageError && !(e.code === 'io' && e.recordIndex < 0)) e.message = `${imageName(arg)}: ${e.message}`;
  return e;
}

/**
 * `fn` on the library, read-only, once each of `refs` (image arguments that
 * are no file) names an image in it. Where the library or an image is
 * missing and the argument looks like a path, the error says first that no
 * such file exists: the user most likely meant one. The library's absence
 * is worded for the first argument.
 */
export function withLibraryImages<T>(opts: Parsed['opts'], refs: readonly string[], fn: (s: Store) => T): T {
  const missing = (arg: string, e: unknown): unknown =>
    !(e instanceof StoreError && e.code === 'not-found')
      ? e
      : isDirectory(arg)
        ? new StoreError('not-found', `${directoryText(arg)}, and ${e.message}`)
        : arg.includes('/') || arg.endsWith('.ckpt')
          ? new StoreError('not-found', `${cannotOpenText(arg, { code: 'ENOENT', message: '' })}, and ${e.message}`)
          : e;
  let s: Store;
  try {
    s = openLibrary(opts, { readonly: true });
  } catch (e) {
    throw missing(refs[0] ?? '', e);
  }
  try {
    for (const ref of refs)
      try {
        s.resolve(ref);
      } catch (e) {
        throw missing(ref, e);
      }
    return fn(s);
  } finally {
    s.close();
  }
}

/**
 * Runs `fn` on a library made for this call in a temporary directory,
 * removed afterwards: for a library-only query over image files.
 */
export function withScratchLibrary<T>(fn: (s: Store) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-scratch-'));
  try {
    const s = Store.open(dir);
    try {
      return fn(s);
    } finally {
      s.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function openLibrary(opts: Parsed['opts'], open: OpenOptions = {}): Store {
  return Store.open(resolveHome({ home: opts.home as string | undefined }), open);
}

/**
 * For withLibrary: a library that does not exist is an error (`no library
 * in DIR`), not made empty. Every command but the ones that add images
 * (import, capture --store) opens the library so: a --home with a typo must
 * not be answered with "no images" forever.
 */
export const NO_CREATE: OpenOptions = { create: false };

/** Runs `fn` with the library open, closing it whatever happens. */
export function withLibrary<T>(opts: Parsed['opts'], fn: (s: Store) => T, open: OpenOptions = {}): T {
  const s = openLibrary(opts, open);
  try {
    return fn(s);
  } finally {
    s.close();
  }
}

export function imageLine(i: ImageSummary): string {
  // Labels and tags as names are shown (a file name can become a label): a bidi character would reverse the line.
  const tags = i.tags.length ? ` [${i.tags.map(displayBStr).join(',')}]` : '';
  return `${i.id.slice(0, 12)}  ${new Date(i.captureTime).toISOString().slice(0, 19)}Z  ${String(i.fdCount).padStart(8)} fds  ${String(i.taskCount).padStart(5)} tasks  ${displayBStr(i.label) || '-'}${tags}  ${i.program}`;
}

/** A progress line on a terminal, rewritten in place; nothing when stderr is not a TTY. */
export function progressLine(): { update(s: string): void; done(): void } {
  const tty = Boolean(process.stderr.isTTY);
  let last = 0;
  let shown = false;
  return {
    update(s) {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      shown = true;
      process.stderr.write(`\r\x1b[K${s}`);
    },
    done() {
      if (tty && shown) process.stderr.write('\r\x1b[K');
    },
  };
}

/**
 * `ckpt capture --store` (once, or each of a series): the snapshot goes
 * straight into `store` with --label and --tag; the id goes to stdout
 * unless the image itself does, a line to stderr, `prefix` before it.
 */
export function storeSnapshot(store: Store, snap: Snapshot, opts: Parsed['opts'], io: Io, prefix = ''): void {
  const r = store.importBytes(encodeSnapshot(snap), { label: opts.label as string | undefined, tags: opts.tag as string[] | undefined });
  if (opts.output !== '-') io.out(r.image.id);
  const errors = snap.errors.length && prefix ? `  (${snap.errors.length} capture errors)` : '';
  io.err(`${prefix}${r.duplicate ? 'already in library' : 'stored in library'}: ${imageLine(r.image)}${errors}`);
}

/** `ckpt capture --store`: the captured snapshot goes straight into the library. */
export function storeCapture(snap: Snapshot, opts: Parsed['opts'], io: Io): void {
  withLibrary(opts, (s) => storeSnapshot(s, snap, opts, io));
}
