import { defineCommand } from '../command.js';
import { UsageError } from '../args.js';
import { readImageFile } from '../../engine/reader.js';
import { ImageError } from '../../engine/errors.js';

export default defineCommand({
  name: 'verify',
  summary: 'check that an image is whole: framing, structure, objrefs and checksum',
  usage: 'ckpt verify FILE...',
  options: [],
  details: 'Exit 0 when every image is whole; 1 and a message naming the byte offset otherwise.',
  run({ positional }, io) {
    if (positional.length === 0) throw new UsageError('verify needs at least one image');
    let bad = 0;
    for (const file of positional) {
      try {
        const s = readImageFile(file);
        const nfds = s.fdTables.reduce((n, t) => n + t.fds.length, 0);
        io.out(`${file}: ok, format ${s.header.formatMajor}.${s.header.formatMinor}, ${s.info.records} records, ${s.tasks.length} tasks, ${nfds} fds, ${s.files.length} open files, ${s.errors.length} capture errors, sha256 ${s.info.sha256}`);
      } catch (e) {
        if (!(e instanceof ImageError)) throw e;
        io.err(`${file}: ${e.message}`);
        bad++;
      }
    }
    return bad ? 1 : 0;
  },
});
