import { defineCommand } from '../command.js';
import { UsageError } from '../args.js';
import { readImageFile } from '../../engine/reader.js';
import { snapshotToJson } from '../../../src-shared/model/index.js';
import { renderLimits, renderShow } from '../render-show.js';
import { existsSync } from 'node:fs';
import { withLibrary } from './library-util.js';

export default defineCommand({
  name: 'show',
  usage: 'ckpt show FILE|ID [--json | --limits]',
  options: [
    { name: 'json', type: 'flag', help: 'one JSON object: header, tasks, fdTables, files, errors (docs/cli.md)' },
    { name: 'limits', type: 'flag', help: 'only the limits: every process by the share of its fd limit it uses, the machine, inotify per user' },
  ],
  run({ opts, positional }, io) {
    if (positional.length !== 1) throw new UsageError('show takes exactly one image');
    if (opts.json && opts.limits) throw new UsageError('--json and --limits: pick one');
    // A path (it exists, has a slash or ends in .ckpt) is a file; anything else names a library image.
    const arg = positional[0]!;
    const isFile = existsSync(arg) || arg.includes('/') || arg.endsWith('.ckpt');
    const snap = isFile ? readImageFile(arg) : withLibrary(opts, (s) => s.getSnapshot(arg), { readonly: true });
    io.out(opts.json ? JSON.stringify(snapshotToJson(snap), null, 1) : opts.limits ? renderLimits(snap) : renderShow(snap));
    return 0;
  },
});
