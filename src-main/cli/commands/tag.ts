import { defineCommand } from '../command.js';
import { UsageError } from '../args.js';
import { imageLine, withLibrary, NO_CREATE } from './library-util.js';

export default defineCommand({
  name: 'tag',
  usage: 'ckpt tag ID [TAG...] [--remove TAG]... [--clear]',
  positional: true,
  options: [
    { name: 'remove', type: 'list', value: 'TAG', help: 'remove this tag (repeatable)' },
    { name: 'clear', type: 'flag', help: 'remove every tag first' },
  ],
  run({ opts, positional }, io) {
    if (positional.length < 1) throw new UsageError('tag needs an image id');
    const [id, ...add] = positional;
    return withLibrary(
      opts,
      (s) => {
        const cur = opts.clear ? [] : s.getImage(id!).tags;
        const drop = new Set((opts.remove as string[] | undefined) ?? []);
        const tags = [...new Set([...cur, ...add])].filter((t) => !drop.has(t));
        io.out(imageLine(s.setTags(id!, tags)));
        return 0;
      },
      NO_CREATE,
    );
  },
});
