import { printJson } from '../json-out.js';
import { defineCommand } from '../command.js';
import { UsageError } from '../args.js';
import { holdersText, searchText } from '../../report/text.js';
import { NO_CREATE, withLibrary } from './library-util.js';
import { QueryError } from '../../store/index.js';
import { QUERY_FIELD_NAMES } from '../../../src-shared/query-fields.js';
import { terminalText } from '../../../src-shared/model/index.js';

/**
 * Holders --holders lists when no --limit is given; every one is counted.
 * A socket leaked by 18,000 dup()s and a fork has 36,000 holders: a screen
 * of them tells as much as all, and a script asks for more.
 */
export const HOLDERS_LIMIT = 1000;

export default defineCommand({
  name: 'search',
  usage: 'ckpt search QUERY... [--limit N] [--per-image N] [--holders [--offset N]] [--json]',
  positional: true,
  options: [
    {
      name: 'holders',
      type: 'flag',
      help: 'who holds the matching files: one line per process and fd across the images, since when, until when (or now)',
    },
    {
      name: 'limit',
      type: 'int',
      value: 'N',
      help: `most hits in all (default 1000); with --holders, most holders listed (default ${HOLDERS_LIMIT}, all counted)`,
    },
    { name: 'per-image', type: 'int', value: 'N', help: 'most hits per image (default 200)' },
    { name: 'offset', type: 'int', value: 'N', help: 'with --holders: list from the holder after the first N (default 0)' },
    { name: 'json', type: 'flag', help: 'the SearchResult (with --holders the HoldersResult, with total) as JSON' },
  ],
  details: `QUERY terms all must hold: a bare word is a path (or unix socket name) substring (a glob with * ? [..]), or field:value with fields\n  ${QUERY_FIELD_NAMES.join(' ')}\ne.g. ckpt search kind:socket comm:nginx; ckpt search "/var/log/*.log" deleted:yes after:7d; ckpt search port:443 state:listen;\n  ckpt search addr:10.0.0.0/8 -state:established. See docs/search.md.`,
  async run({ opts, positional }, io) {
    if (positional.length === 0) throw new UsageError('search needs a query (see ckpt search --help)');
    const query = positional.join(' ');
    // Out of range is the caller's to fix, as a negative or non-numeric value is (args.ts): exit 2.
    for (const k of ['limit', 'per-image'] as const) {
      const n = opts[k] as number | undefined;
      if (n !== undefined && (n < 1 || n > 1_000_000)) throw new UsageError(`--${k} must be from 1 to 1000000, got ${n}`);
    }
    const offset = opts.offset as number | undefined;
    if (offset !== undefined && (offset < 0 || offset > 1_000_000))
      throw new UsageError(`--offset must be from 0 to 1000000, got ${offset}`);
    let json: unknown;
    const code = withLibrary(
      opts,
      (s) => {
        if (opts.holders && opts['per-image'] !== undefined)
          throw new UsageError('--holders folds every matching fd: --per-image does not apply (--limit says how many holders are listed)');
        if (!opts.holders && opts.offset !== undefined) throw new UsageError('--offset pages the holders: it needs --holders');
        let r;
        try {
          r = opts.holders
            ? s.holders(query, {
                offset: (opts.offset as number | undefined) ?? 0,
                limit: (opts.limit as number | undefined) ?? HOLDERS_LIMIT,
              })
            : s.search(query, { limit: opts.limit as number | undefined, perImage: opts['per-image'] as number | undefined });
        } catch (e) {
          if (!(e instanceof QueryError)) throw e;
          // Underline the offending token under the query as typed.
          const [shown, under] = underline(query, e.start, e.end);
          io.err(`ckpt search: ${e.detail}\n  ${shown}\n  ${under}`);
          // A query that does not parse is a usage error, as everywhere (main.ts).
          return 2;
        }
        if (opts.json) json = r;
        else io.out('holders' in r ? holdersText(r) : searchText(r));
        return 0;
      },
      NO_CREATE,
    );
    if (json !== undefined) await printJson(io, json);
    return code;
  },
});

/** How much of a long query an error shows around the offending token. */
const WINDOW = 100;
const BEFORE = 30;

/**
 * The query as echoed under an error, and the underline beneath the token
 * (start..end): a query longer than WINDOW characters is cut to a window
 * around the token, `...` marking what is left out either side (a token
 * longer than the window is cut too, its underline with it).
 */
export function underline(query: string, start: number, end: number): [string, string] {
  start = Math.min(Math.max(0, start), query.length);
  end = Math.min(Math.max(start, end), query.length);
  // Up to BEFORE characters before the token, more when it is near the end.
  const from = query.length <= WINDOW ? 0 : Math.max(0, Math.min(start - BEFORE, query.length - WINDOW));
  const to = Math.min(query.length, from + WINDOW);
  const head = from > 0 ? '...' : '';
  // Each part as the terminal will show it (a control character escaped to
  // several), so the underline is measured on what is shown.
  const before = terminalText(query.slice(from, start));
  const token = terminalText(query.slice(start, Math.min(end, to)));
  const shown = `${head}${before}${token}${terminalText(query.slice(Math.min(end, to), to))}${to < query.length ? '...' : ''}`;
  return [shown, `${' '.repeat(head.length + before.length)}${'^'.repeat(Math.max(1, token.length))}`];
}
