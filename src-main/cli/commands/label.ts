import { defineCommand } from '../command.js';
import { UsageError } from '../args.js';
import { imageLine, withLibrary, NO_CREATE } from './library-util.js';

export default defineCommand({
  name: 'label',
  usage: 'ckpt label ID TEXT',
  positional: true,
  options: [],
  run({ opts, positional }, io) {
    if (positional.length !== 2) throw new UsageError('label takes an image id and the label text');
    return withLibrary(
      opts,
      (s) => {
        io.out(imageLine(s.setLabel(positional[0]!, positional[1]!)));
        return 0;
      },
      NO_CREATE,
    );
  },
});
