import { defineCommand } from '../command.js';
import { UsageError } from '../args.js';
import { imageLine, withLibrary, NO_CREATE } from './library-util.js';

export default defineCommand({
  name: 'rm',
  usage: 'ckpt rm ID...',
  positional: true,
  options: [],
  run({ opts, positional }, io) {
    if (positional.length === 0) throw new UsageError('rm needs at least one image id');
    return withLibrary(
      opts,
      (s) => {
        // Resolve all first, so a typo in the third id removes nothing.
        const ids = positional.map((p) => s.getImage(p).id);
        for (const id of ids) io.out(`removed ${imageLine(s.deleteImage(id))}`);
        return 0;
      },
      NO_CREATE,
    );
  },
});
