/**
 * Image arguments that may be files: `ckpt diff` and `ckpt export image|diff`
 * take image files and CRIU dumps as well as ids, id prefixes and labels in
 * the library, as `ckpt show` does.
 */
import type { Parsed } from '../args.js';
import type { Store } from '../../store/index.js';
import { encodeSnapshot } from '../../engine/writer.js';
import { criuSnapshot } from './criu-input.js';
import { isImageFile, withLibraryImages, withScratchLibrary } from './library-util.js';

/**
 * `fn` on a library holding every one of `args`, with each one's id there.
 * Where all of them name library images, that is the library itself, read
 * only. Otherwise the query runs on the library's index all the same: files
 * and converted dumps (once each, the same one may be named twice) are
 * indexed into a scratch library with copies of the library images named,
 * and nothing is stored.
 */
export async function withImageArgs<T>(opts: Parsed['opts'], args: readonly string[], fn: (s: Store, ids: string[]) => T): Promise<T> {
  const dumps = new Map<string, Buffer>();
  for (const x of args) {
    if (dumps.has(x)) continue;
    const snap = await criuSnapshot(x);
    if (snap) dumps.set(x, encodeSnapshot(snap));
  }
  const isFile = (x: string) => dumps.has(x) || isImageFile(x);
  if (!args.some(isFile)) return withLibraryImages(opts, args, (s) => fn(s, [...args]));
  const fromLibrary = args.filter((x) => !isFile(x));
  const bytes = fromLibrary.length ? withLibraryImages(opts, fromLibrary, (s) => fromLibrary.map((x) => s.getBytes(x))) : [];
  return withScratchLibrary((s) =>
    fn(
      s,
      args.map(
        (x) => (dumps.has(x) ? s.importBytes(dumps.get(x)!) : isImageFile(x) ? s.importFile(x) : s.importBytes(bytes.shift()!)).image.id,
      ),
    ),
  );
}
