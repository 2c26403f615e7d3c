import { printJson } from '../json-out.js';
import { defineCommand } from '../command.js';
import { UsageError } from '../args.js';
import { diffText } from '../../report/text.js';
import type { DiffMatching, DiffResult } from '../../../src-shared/store-types.js';
import { withImageArgs } from './image-args.js';

export default defineCommand({
  name: 'diff',
  usage: 'ckpt diff A|FILE|CRIU-DUMP B|FILE|CRIU-DUMP [--match pid|command] [--json]',
  positional: true,
  options: [
    {
      name: 'match',
      type: 'string',
      value: 'pid|command',
      help: 'pair processes by pid or by command line (default: pid, or command when pids changed)',
    },
    { name: 'json', type: 'flag', help: 'the DiffResult as JSON' },
  ],
  details:
    'A and B are image files (where a file of that name exists: indexed for this diff only, not stored), CRIU dumps (an images directory or checkpoint archive, docs/criu.md: converted for this diff only) or image ids, id prefixes or labels in the library. The summary with counts comes first, then the details.',
  async run({ opts, positional }, io) {
    if (positional.length !== 2) throw new UsageError('diff takes two images');
    const m = opts.match as string | undefined;
    if (m !== undefined && m !== 'pid' && m !== 'command') throw new UsageError(`--match must be pid or command, got "${m}"`);
    const diffOpts = m ? { matching: m as DiffMatching } : {};
    const [a, b] = positional as [string, string];
    const d: DiffResult = await withImageArgs(opts, [a, b], (s, [ia, ib]) => s.diff(ia!, ib!, diffOpts));
    if (opts.json) await printJson(io, d);
    else io.out(diffText(d));
    return 0;
  },
});
