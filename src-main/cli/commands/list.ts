import { printJson } from '../json-out.js';
import { defineCommand } from '../command.js';
import { UsageError } from '../args.js';
import { isDateTime, parseTime } from '../../query/parse.js';
import { quoted } from '../../store/errors.js';
import type { ImageFilter } from '../../../src-shared/store-types.js';
import { imageLine, withLibrary, NO_CREATE } from './library-util.js';

export default defineCommand({
  name: 'list',
  usage: 'ckpt list [--label TEXT] [--tag TAG] [--text TEXT] [--since DATE] [--until DATE] [--limit N] [--json]',
  options: [
    { name: 'label', type: 'string', value: 'TEXT', help: 'only images with this exact label' },
    { name: 'tag', type: 'string', value: 'TAG', help: 'only images with this tag' },
    { name: 'text', type: 'string', value: 'TEXT', help: 'substring of label, note, host, program or id' },
    { name: 'since', type: 'string', value: 'DATE', help: 'captured at or after (2026-11-20, 2026-11-20T10:00, 7d)' },
    { name: 'until', type: 'string', value: 'DATE', help: 'captured at or before' },
    { name: 'limit', type: 'int', value: 'N', help: 'at most N images' },
    { name: 'json', type: 'flag', help: 'a JSON array of image summaries' },
  ],
  async run({ opts }, io) {
    const f: ImageFilter = {};
    if (opts.label !== undefined) f.label = opts.label as string;
    if (opts.tag !== undefined) f.tag = opts.tag as string;
    if (opts.text !== undefined) f.text = opts.text as string;
    // --limit 0 would list nothing whatever the library holds: a usage error, as a negative one is.
    if (opts.limit === 0) throw new UsageError('--limit must be at least 1, got 0');
    if (opts.limit !== undefined) f.limit = opts.limit as number;
    for (const k of ['since', 'until'] as const) {
      if (opts[k] === undefined) continue;
      const t = parseTime(opts[k] as string, Date.now(), k === 'until');
      if (t === undefined) throw new UsageError(`--${k}: not a date: "${String(opts[k])}"`);
      if (!isDateTime(t))
        throw new UsageError(`--${k}: "${String(opts[k])}" is outside the dates a time can hold (years -271821 to 275760)`);
      f[k] = t;
    }
    let json: unknown;
    const code = withLibrary(
      opts,
      (store) => {
        const images = store.listImages(f);
        if (opts.json) json = images;
        else if (!images.length) io.out(noneListed(store.countImages(), opts));
        else io.out(images.map(imageLine).join('\n'));
        return 0;
      },
      NO_CREATE,
    );
    if (json !== undefined) await printJson(io, json);
    return code;
  },
});

/**
 * What list says when it lists nothing: an empty library, or a filter none of
 * the library's `total` images matches (naming the filter as given).
 */
function noneListed(total: number, opts: Record<string, unknown>): string {
  if (total === 0) return 'no images in the library';
  const given = ['label', 'tag', 'text', 'since', 'until']
    .filter((k) => opts[k] !== undefined)
    .map((k) => `--${k} ${quoted(String(opts[k]))}`);
  return `no images match ${given.join(' ') || 'the filter'} (the library has ${total} image${total === 1 ? '' : 's'})`;
}
