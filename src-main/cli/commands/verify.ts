import { defineCommand } from '../command.js';
import { UsageError } from '../args.js';
import { verifyImage, withImageFile } from '../../engine/reader.js';
import { ImageError } from '../../engine/errors.js';
import { NO_CREATE, imageInput, imageName, namingFile, progressLine, withLibrary } from './library-util.js';
import { contentsText, counted } from '../../../src-shared/model/count-text.js';

export default defineCommand({
  name: 'verify',
  usage: 'ckpt verify FILE|-... | ckpt verify --all',
  positional: true,
  options: [
    {
      name: 'all',
      type: 'flag',
      help: 'verify the whole library: re-hash and re-decode every image, re-check its index rows and the database',
    },
  ],
  details: 'Exit 0 when every image is whole; 1 and a message naming the byte offset otherwise.',
  run({ opts, positional }, io) {
    if (opts.all) {
      if (positional.length) throw new UsageError('verify --all takes no files');
      return withLibrary(
        opts,
        (store) => {
          const p = progressLine();
          const r = store.verifyAll((done, total) => p.update(`verifying ${done}/${total} images`));
          p.done();
          for (const pr of r.problems) io.err(`${pr.imageId.slice(0, 12)}: ${pr.code}: ${pr.message}`);
          io.out(
            `library ${store.home}: ${r.ok}/${counted(r.checked, 'image')} ok, ${counted(r.problems.length, 'problem')}, database integrity: ${r.integrity}`,
          );
          return r.problems.length || r.integrity !== 'ok' ? 1 : 0;
        },
        NO_CREATE,
      );
    }
    if (positional.length === 0) throw new UsageError('verify needs at least one image (or --all)');
    let bad = 0;
    for (const file of positional) {
      try {
        // Streams: a huge image verifies in bounded memory.
        const s = withImageFile(imageInput(file), verifyImage);
        io.out(
          `${imageName(file)}: ok, format ${s.header.formatMajor}.${s.header.formatMinor}, ${counted(s.records, 'record')}, ${contentsText(s.tasks, s.fds, s.files)}, ${counted(s.errors, 'capture error')}, sha256 ${s.sha256}`,
        );
      } catch (e) {
        if (!(e instanceof ImageError)) throw e;
        // A file that cannot be opened or read is named by the message itself.
        io.err(namingFile(file, e).message);
        bad++;
      }
    }
    return bad ? 1 : 0;
  },
});
