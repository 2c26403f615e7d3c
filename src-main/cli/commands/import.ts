import { defineCommand } from '../command.js';
import { UsageError } from '../args.js';
import { StoreError } from '../../store/index.js';
import { withImageFile } from '../../engine/reader.js';
import { ImageError } from '../../engine/errors.js';
import { imageLine, imageName, progressLine, withLibrary } from './library-util.js';

/** Standard input read whole (a pipe: at most what withImageFile reads from one). */
function readStdin(): Buffer {
  try {
    return withImageFile(0, (src) => {
      const b = Buffer.allocUnsafe(src.size);
      src.read(b, 0, src.size, 0);
      return b;
    });
  } catch (e) {
    if (e instanceof ImageError) throw new StoreError('io', e.message);
    throw e;
  }
}

export default defineCommand({
  name: 'import',
  usage: 'ckpt import FILE...|- [--label TEXT] [--tag TAG]... [--note TEXT] [--json]',
  positional: true,
  options: [
    { name: 'label', type: 'string', value: 'TEXT', help: 'label for the imported images' },
    { name: 'tag', type: 'list', value: 'TAG', help: 'tag to add (repeatable)' },
    { name: 'note', type: 'string', value: 'TEXT', help: 'note for the imported images' },
    { name: 'json', type: 'flag', help: 'one JSON object per line: {image, duplicate, elapsedMs} or {file, error}' },
  ],
  details:
    'Each file is imported whole or not at all. A file that is not a valid image is reported and skipped; the exit code is 1 if any file failed.',
  run({ opts, positional }, io) {
    if (positional.length === 0) throw new UsageError('import needs at least one image file');
    const o = { label: opts.label as string | undefined, tags: opts.tag as string[] | undefined, note: opts.note as string | undefined };
    return withLibrary(opts, (store) => {
      let bad = 0;
      const p = progressLine();
      positional.forEach((file, i) => {
        try {
          const progress = (pr: { phase: string; done: number; total: number }) =>
            p.update(`[${i + 1}/${positional.length}] ${imageName(file)}: ${pr.phase}${pr.total ? ` ${pr.done}/${pr.total} fds` : ''}`);
          const r = file === '-' ? store.importBytes(readStdin(), o, progress, imageName(file)) : store.importFile(file, o, progress);
          p.done();
          if (opts.json) io.out(JSON.stringify(r));
          else
            io.out(
              `${r.duplicate ? 'already in library' : 'imported'}: ${imageLine(r.image)}  (${imageName(file)}, ${r.elapsedMs.toFixed(0)} ms)`,
            );
        } catch (e) {
          p.done();
          if (!(e instanceof StoreError)) throw e;
          bad++;
          if (opts.json) io.out(JSON.stringify({ file, error: e.toJSON() }));
          io.err(`ckpt import: ${e.message}`);
        }
      });
      return bad ? 1 : 0;
    });
  },
});
