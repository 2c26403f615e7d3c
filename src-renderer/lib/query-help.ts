/**
 * What the search box offers while typing: the query language's field names
 * (docs/search.md), kind names and groups, O_ flag names, yes/no, and the
 * library's labels and tags. Completion works on the term under the caret.
 */
import { KIND_GROUPS, KINDS } from '../../src-shared/kinds/index.js';
import { O } from '../../src-shared/model/flags.js';

export interface FieldHelp {
  name: string;
  example: string;
  help: string;
}

export const FIELDS: FieldHelp[] = [
  { name: 'path', example: 'path:/var/log', help: 'path (link text) contains the text; a bare word means the same; * and ? make it a whole-path glob' },
  { name: 'kind', example: 'kind:socket', help: 'kind of file: a kind name, inet/unix/netlink/packet, or a group: socket, file, device, anon' },
  { name: 'pid', example: 'pid:1200-1300', help: 'held by process N; ranges 100-200, >1000, <50' },
  { name: 'comm', example: 'comm:nginx', help: 'process comm contains the text (a glob with * or ?)' },
  { name: 'limit', example: 'limit:80%', help: 'the process holds at least this share of its soft fd limit (100%: at it)' },
  { name: 'fd', example: 'fd:>2', help: 'fd number; ranges as for pid' },
  { name: 'flags', example: 'flags:wronly,append', help: 'every named O_ flag is set (O_ optional)' },
  { name: 'deleted', example: 'deleted:yes', help: 'the file was unlinked while open' },
  { name: 'shared', example: 'shared:yes', help: 'the open file is held by fds of more than one process' },
  { name: 'cloexec', example: 'cloexec:no', help: 'close-on-exec is set on the descriptor' },
  { name: 'label', example: 'label:prod-web', help: "the image's label is exactly the text" },
  { name: 'tag', example: 'tag:weekly', help: 'the image carries the tag' },
  { name: 'image', example: 'image:3fa2', help: 'the image id starts with the hex' },
  { name: 'after', example: 'after:7d', help: 'captured at/after a date (2026-11-20, 2026-11-20T10:00, 30m, 12h, 7d, 2w ago)' },
  { name: 'before', example: 'before:2026-11-20', help: 'captured at/before a date (a whole day for a bare date)' },
  { name: 'time', example: 'time:2026-11-01..2026-11-20', help: 'captured between FROM and TO (either may be empty)' },
];

export const SYNTAX: [string, string][] = [
  ['a b', 'every term must hold'],
  ['-term', 'negates a term: -kind:socket'],
  ['a,b', 'alternatives within one field: kind:pipe,fifo'],
  ['"…"', 'quotes keep spaces and commas: path:"/srv/my data"'],
  ['* ?', 'glob over the whole path: /var/log/*.log'],
];

/** Kind names with what each is, then the words that stand for several kinds (KIND_GROUPS, and parse.ts's aliases). */
const KIND_HELP = new Map<string, string>([
  ...KINDS.map((k) => [k.name, k.label] as [string, string]),
  ...Object.entries(KIND_GROUPS).map(([g, kinds]) => [g, `group: ${kinds.join(', ')}`] as [string, string]),
  ['inet', 'inet-socket'],
  ['unix', 'unix-socket'],
  ['netlink', 'netlink-socket'],
  ['packet', 'packet-socket'],
  ['unknown', 'a kind this version cannot name'],
]);
const KIND_WORDS = [...KIND_HELP.keys()];
const FLAG_WORDS = Object.keys(O).map((k) => k.replace(/^O_/, '').toLowerCase());
const YES_NO = ['yes', 'no'];

export interface Suggestion {
  /** Text that replaces the term under the caret. */
  insert: string;
  /** What the list shows. */
  label: string;
  detail: string;
}

export interface Completion {
  /** Offsets in the query of the text the suggestion replaces. */
  start: number;
  end: number;
  items: Suggestion[];
}

/** Suggestions for the term that ends at `caret` (labels and tags come from the library). */
export function complete(query: string, caret: number, library: { labels: string[]; tags: string[] }): Completion | null {
  let start = caret;
  while (start > 0 && !/\s/.test(query[start - 1]!)) start--;
  let end = caret;
  while (end < query.length && !/\s/.test(query[end]!)) end++;
  const term = query.slice(start, caret);
  const neg = term.startsWith('-') ? '-' : '';
  const body = term.slice(neg.length);
  const colon = body.indexOf(':');
  let items: Suggestion[] = [];
  if (colon < 0) {
    if (body.length === 0 || body.startsWith('/') || body.includes('"')) return null;
    items = FIELDS.filter((f) => f.name.startsWith(body.toLowerCase()) && f.name !== body).map((f) => ({ insert: `${neg}${f.name}:`, label: `${f.name}:`, detail: f.help }));
  } else {
    const field = body.slice(0, colon).toLowerCase();
    const value = body.slice(colon + 1);
    // In a comma list, complete the last alternative and keep the others.
    const cut = value.lastIndexOf(',') + 1;
    const kept = value.slice(0, cut);
    const part = value.slice(cut).toLowerCase();
    const words =
      field === 'kind' ? KIND_WORDS : field === 'flags' ? FLAG_WORDS : field === 'deleted' || field === 'shared' || field === 'cloexec' ? YES_NO : field === 'label' ? library.labels : field === 'tag' ? library.tags : [];
    const detail = FIELDS.find((f) => f.name === field)?.help ?? '';
    items = words
      .filter((w) => w.toLowerCase().startsWith(part) && w.toLowerCase() !== part)
      .slice(0, 50)
      .map((w) => {
        const v = /[\s,"]/.test(w) ? `"${w.replace(/["\\]/g, (c) => '\\' + c)}"` : w;
        return { insert: `${neg}${field}:${kept}${v}`, label: w, detail: field === 'kind' ? (KIND_HELP.get(w) ?? detail) : detail };
      });
  }
  return items.length ? { start, end, items: items.slice(0, 12) } : null;
}
