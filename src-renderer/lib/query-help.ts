/**
 * What the search box offers while typing: the query language's field names
 * (docs/search.md), kind names and groups, O_ flag names, yes/no, and the
 * library's labels and tags. Completion works on the term under the caret.
 */
import { KIND_GROUPS, KINDS } from '../../src-shared/kinds/index.js';
import { O } from '../../src-shared/model/flags.js';
import { QUERY_FIELDS, SOCKET_STATES } from '../../src-shared/query-fields.js';

export type { FieldHelp } from '../../src-shared/query-fields.js';
/** The fields the parser knows (one list in src-shared, which `ckpt search --help` names too). */
export const FIELDS = QUERY_FIELDS;

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
const STATE_WORDS = SOCKET_STATES.map((s) => s.toLowerCase());
/** The values a field takes, where the language has a fixed list (labels and tags are the library's). */
const VALUE_WORDS = new Map<string, readonly string[]>([
  ['kind', KIND_WORDS],
  ['flags', FLAG_WORDS],
  ['deleted', YES_NO],
  ['shared', YES_NO],
  ['cloexec', YES_NO],
  ['state', STATE_WORDS],
]);

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
    items = FIELDS.filter((f) => f.name.startsWith(body.toLowerCase()) && f.name !== body).map((f) => ({
      insert: `${neg}${f.name}:`,
      label: `${f.name}:`,
      detail: f.help,
    }));
  } else {
    const field = body.slice(0, colon).toLowerCase();
    const value = body.slice(colon + 1);
    // In a comma list, complete the last alternative and keep the others.
    const cut = value.lastIndexOf(',') + 1;
    const kept = value.slice(0, cut);
    const part = value.slice(cut).toLowerCase();
    const words = field === 'label' ? library.labels : field === 'tag' ? library.tags : (VALUE_WORDS.get(field) ?? []);
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
