import { defineCommand } from '../command.js';
import { UsageError } from '../args.js';
import { scanRecords, withImageFile } from '../../engine/reader.js';
import { imageInput, namingFile } from './library-util.js';
import { jsonSafe } from '../json-out.js';

export default defineCommand({
  name: 'records',
  usage: 'ckpt records FILE|- [--json]',
  positional: true,
  options: [{ name: 'json', type: 'flag', help: 'a JSON array of {index, offset, type, typeName, len, objref}' }],
  details: 'Lists framing only; `ckpt verify` checks what the records mean.',
  run({ opts, positional }, io) {
    if (positional.length !== 1) throw new UsageError('records takes exactly one image');
    // Written as it is scanned, a few thousand rows at a time: an image of a
    // million fds has two million records, more than one string can hold as JSON.
    let rows: string[] = [];
    let any = false;
    const flush = () => {
      if (!rows.length) return;
      io.outPart((opts.json ? (any ? ',' : '[') : '') + rows.join(opts.json ? ',' : '\n') + (opts.json ? '' : '\n'));
      any = true;
      rows = [];
    };
    if (!opts.json) rows.push(`${'index'.padStart(7)} ${'offset'.padStart(12)}  ${'type'.padEnd(12)} ${'len'.padStart(8)}  objref`);
    const end = () => {
      flush();
      if (opts.json) io.outPart(any ? ']\n' : '[]\n');
    };
    try {
      withImageFile(imageInput(positional[0]!), (src) =>
        scanRecords(src, (r) => {
          rows.push(
            opts.json
              ? jsonSafe(JSON.stringify(r))
              : `${String(r.index).padStart(7)} ${String(r.offset).padStart(12)}  ${r.typeName.padEnd(12)} ${String(r.len).padStart(8)}  ${r.objref || ''}`,
          );
          if (rows.length >= 4096) flush();
        }),
      );
    } catch (e) {
      // A damaged image is when the framing matters most: list what was
      // framed before the damage (a whole JSON array), then say where it is (and fail).
      if (opts.json || any || rows.length > 1) end();
      throw namingFile(positional[0]!, e);
    }
    end();
    return 0;
  },
});
