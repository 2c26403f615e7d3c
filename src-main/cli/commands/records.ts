import { defineCommand } from '../command.js';
import { UsageError } from '../args.js';
import { scanRecords, withImageFile } from '../../engine/reader.js';
import { imageInput, namingFile } from './library-util.js';

export default defineCommand({
  name: 'records',
  usage: 'ckpt records FILE|- [--json]',
  positional: true,
  options: [{ name: 'json', type: 'flag', help: 'a JSON array of {index, offset, type, typeName, len, objref}' }],
  details: 'Lists framing only; `ckpt verify` checks what the records mean.',
  run({ opts, positional }, io) {
    if (positional.length !== 1) throw new UsageError('records takes exactly one image');
    const rows: string[] = [];
    const json: unknown[] = [];
    const print = () =>
      io.out(
        opts.json
          ? JSON.stringify(json)
          : [`${'index'.padStart(7)} ${'offset'.padStart(12)}  ${'type'.padEnd(12)} ${'len'.padStart(8)}  objref`, ...rows].join('\n'),
      );
    try {
      withImageFile(imageInput(positional[0]!), (src) =>
        scanRecords(src, (r) => {
          if (opts.json) json.push(r);
          else
            rows.push(
              `${String(r.index).padStart(7)} ${String(r.offset).padStart(12)}  ${r.typeName.padEnd(12)} ${String(r.len).padStart(8)}  ${r.objref || ''}`,
            );
        }),
      );
    } catch (e) {
      // A damaged image is when the framing matters most: list what was
      // framed before the damage, then say where it is (and fail).
      if (rows.length || json.length) print();
      throw namingFile(positional[0]!, e);
    }
    print();
    return 0;
  },
});
