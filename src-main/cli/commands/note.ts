import { defineCommand } from '../command.js';
import { UsageError } from '../args.js';
import { NO_CREATE, withLibrary } from './library-util.js';

export default defineCommand({
  name: 'note',
  usage: 'ckpt note ID [TEXT]',
  positional: true,
  options: [],
  run({ opts, positional }, io) {
    if (positional.length < 1 || positional.length > 2) throw new UsageError('note takes an image id and, to set it, the text');
    return withLibrary(
      opts,
      (s) => {
        const img = positional.length === 2 ? s.setNote(positional[0]!, positional[1]!) : s.getImage(positional[0]!);
        io.out(img.note);
        return 0;
      },
      NO_CREATE,
    );
  },
});
