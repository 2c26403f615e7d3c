import { defineCommand } from '../command.js';
import { UsageError } from '../args.js';
import { readImageFile } from '../../engine/reader.js';
import { snapshotToJson } from '../../../src-shared/model/index.js';
import { renderShow } from '../render-show.js';
import { existsSync } from 'node:fs';
import { withLibrary } from './library-util.js';

export default defineCommand({
  name: 'show',
  usage: 'ckpt show FILE|ID [--json]',
  options: [{ name: 'json', type: 'flag', help: 'one JSON object: header, tasks, fdTables, files, errors (docs/cli.md)' }],
  run({ opts, positional }, io) {
    if (positional.length !== 1) throw new UsageError('show takes exactly one image');
    // A path (it exists, has a slash or ends in .ckpt) is a file; anything else names a library image.
    const arg = positional[0]!;
    const isFile = existsSync(arg) || arg.includes('/') || arg.endsWith('.ckpt');
    const snap = isFile ? readImageFile(arg) : withLibrary(opts, (s) => s.getSnapshot(arg), { readonly: true });
    io.out(opts.json ? JSON.stringify(snapshotToJson(snap), null, 1) : renderShow(snap));
    return 0;
  },
});
