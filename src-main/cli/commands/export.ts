import { defineCommand, payloadDelivered } from '../command.js';
import { UsageError } from '../args.js';
import { writeFileAtomic } from '../../util/atomic-file.js';
import { displayBStr } from '../../../src-shared/model/index.js';
import type { ExportFormat, ExportRequest } from '../../../src-shared/store-types.js';
import { SELECTOR_OPTIONS, timelineSelector } from './timeline.js';
import { NO_CREATE, withLibrary } from './library-util.js';
import { withImageArgs } from './image-args.js';
import { FORMATS } from '../../report/index.js';

export default defineCommand({
  name: 'export',
  usage:
    'ckpt export (image ID|FILE | diff A B | search QUERY... | holders QUERY... | timeline (--program P | --label L | --tag T | ID...)) [--format html|md|json|csv] -o FILE',
  positional: true,
  options: [
    { name: 'format', short: 'f', type: 'string', value: 'FORMAT', help: 'html, md, json or csv (default: from the -o extension)' },
    { name: 'output', short: 'o', type: 'string', value: 'FILE', help: 'file to write ("-" for stdout)' },
    ...SELECTOR_OPTIONS,
  ],
  details:
    'An image, or a side of a diff, is an id, id prefix or label in the library, or an image file or CRIU dump (read for this report only, not stored), as for show and diff. HTML is one self-contained page (inline SVG charts, no network) that prints well. CSV holds the main table.',
  async run({ opts, positional }, io) {
    const out = opts.output as string | undefined;
    if (!out) throw new UsageError('-o FILE is required');
    let format = opts.format as string | undefined;
    if (format === undefined) {
      const ext = /\.([a-z]+)$/i.exec(out)?.[1]?.toLowerCase();
      format = ext === 'htm' ? 'html' : ext === 'markdown' ? 'md' : ext;
      // No --format given: what is missing is the extension, not a --format.
      if (out === '-') throw new UsageError(`-o - (standard output) needs --format ${FORMATS.join('|')}`);
      if (format && !FORMATS.includes(format as ExportFormat))
        throw new UsageError(
          `"${out}": .${format} is not a format export writes (${FORMATS.join(', ')}; or --format)${format === 'pdf' ? '; a PDF is printed from the app (ckpt serve, or the desktop app)' : ''}`,
        );
      if (!format)
        throw new UsageError(
          `cannot tell the format from "${out}": add --format ${FORMATS.join('|')} or an extension (${FORMATS.map((f) => `.${f}`).join(' ')})`,
        );
    }
    if (!FORMATS.includes(format as ExportFormat)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got "${format}"`);
    const [what, ...rest] = positional;
    let req: ExportRequest;
    if (what === 'image' && rest.length === 1) req = { what, id: rest[0]! };
    else if (what === 'diff' && rest.length === 2) req = { what, a: rest[0]!, b: rest[1]! };
    else if (what === 'search' && rest.length >= 1) req = { what, query: rest.join(' ') };
    else if (what === 'holders' && rest.length >= 1) req = { what, query: rest.join(' ') };
    else if (what === 'timeline') req = { what, selector: timelineSelector(opts, rest) };
    else throw new UsageError('say what to export: image ID, diff A B, search QUERY, holders QUERY, or timeline ...');
    // In pieces: the JSON of an image of a million fds is longer than one string can be.
    const write = async (pieces: string[]) => {
      let n = 0;
      if (out === '-') {
        for (const p of pieces) io.outBytes(Buffer.from(p, 'utf8'));
        if (!(await payloadDelivered(io, 'export', 'report'))) return 1;
      } else {
        writeFileAtomic(out, (w) => {
          for (const p of pieces) {
            const b = Buffer.from(p, 'utf8');
            n += b.length;
            w(b);
          }
        });
        io.err(`wrote ${format} ${what} report to ${displayBStr(out)} (${n} bytes)`);
      }
      return 0;
    };
    // An image or a diff may name image files and CRIU dumps, as show and diff take them.
    if (req.what === 'image')
      return write(await withImageArgs(opts, [req.id], (s, [id]) => s.exportPieces({ what: 'image', id: id! }, format as ExportFormat)));
    if (req.what === 'diff') {
      const [a, b] = [req.a, req.b];
      return write(
        await withImageArgs(opts, [a, b], (s, [ia, ib]) => s.exportPieces({ what: 'diff', a: ia!, b: ib! }, format as ExportFormat)),
      );
    }
    return write(withLibrary(opts, (s) => s.exportPieces(req, format as ExportFormat), NO_CREATE));
  },
});
