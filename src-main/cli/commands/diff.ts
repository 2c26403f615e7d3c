import { defineCommand } from '../command.js';
import { UsageError } from '../args.js';
import { diffText } from '../../report/text.js';
import type { DiffMatching } from '../../../src-shared/store-types.js';
import { withLibrary } from './library-util.js';

export default defineCommand({
  name: 'diff',
  usage: 'ckpt diff A B [--match pid|command] [--json]',
  options: [
    {
      name: 'match',
      type: 'string',
      value: 'pid|command',
      help: 'pair processes by pid or by command line (default: pid, or command when pids changed)',
    },
    { name: 'json', type: 'flag', help: 'the DiffResult as JSON' },
  ],
  details: 'A and B are image ids, id prefixes or labels. The summary with counts comes first, then the details.',
  run({ opts, positional }, io) {
    if (positional.length !== 2) throw new UsageError('diff takes two images');
    const m = opts.match as string | undefined;
    if (m !== undefined && m !== 'pid' && m !== 'command') throw new UsageError(`--match must be pid or command, got "${m}"`);
    return withLibrary(opts, (s) => {
      const d = s.diff(positional[0]!, positional[1]!, m ? { matching: m as DiffMatching } : {});
      io.out(opts.json ? JSON.stringify(d, null, 1) : diffText(d));
      return 0;
    });
  },
});
