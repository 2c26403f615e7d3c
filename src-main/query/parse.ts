/**
 * The search language (docs/search.md): whitespace-separated terms, all of
 * which must hold. A term is `field:value` or a bare path pattern; `-` in
 * front negates it; double quotes keep spaces (and \" \\ escapes) in a value;
 * commas give alternatives within one field. Errors carry the offsets of the
 * offending token so a UI can underline it.
 */
import { kindNameList, kindsNamed } from '../../src-shared/kinds/index.js';
import { systemUsers } from '../util/passwd.js';
import { UID_MAX } from '../../src-shared/model/proc-select.js';
import { flagByName } from '../../src-shared/model/index.js';
import { QUERY_FIELD_NAMES, SOCKET_STATES } from '../../src-shared/query-fields.js';
import { QueryError } from '../store/errors.js';

export type Term =
  | { field: 'path'; mode: 'substring' | 'glob'; values: string[] }
  | { field: 'kind'; values: string[] }
  | { field: 'pid' | 'fd'; ranges: [number, number][] }
  | { field: 'comm'; values: string[] }
  /** The process's uid; `names`: as the query named them (user:), for the normalized form. */
  | { field: 'uid'; ranges: [number, number][]; names?: string[] }
  /** The process holds at least `share` (0.8 for 80%) of its soft fd limit. */
  | { field: 'limit'; share: number }
  | { field: 'flags'; masks: { mask: number; value: number }[] }
  | { field: 'deleted' | 'shared' | 'cloexec'; value: boolean }
  /** An inet socket's port: `side` any (port:), local (lport:) or remote (rport:). */
  | { field: 'port'; side: Side; ranges: [number, number][] }
  | { field: 'addr'; side: Side; matchers: AddrMatcher[] }
  /** Socket states, upper case as the kernel names them. */
  | { field: 'state'; values: string[] }
  | { field: 'label' | 'tag' | 'image'; values: string[] }
  | { field: 'time'; from: number; to: number };

export type Side = 'any' | 'local' | 'remote';

/**
 * An address term's alternative: an address or CIDR prefix, compared as 16
 * bytes (IPv4 as ::ffff:a.b.c.d, so it matches v4-mapped sockets too), or a
 * glob over the address text as captured.
 */
export type AddrMatcher = { net: Uint8Array; bits: number; text: string } | { glob: RegExp; text: string };

export interface ParsedTerm {
  term: Term;
  negated: boolean;
  start: number;
  end: number;
  text: string;
}

export interface ParsedQuery {
  terms: ParsedTerm[];
  normalized: string;
}

const FIELDS: readonly string[] = QUERY_FIELD_NAMES;
const SIDES: Record<string, Side> = { port: 'any', lport: 'local', rport: 'remote', addr: 'any', laddr: 'local', raddr: 'remote' };

interface Token {
  raw: string;
  start: number;
  end: number;
  negated: boolean;
  field: string | null;
  fieldEnd: number;
  value: string;
  quoted: boolean;
}

function tokenize(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    while (i < q.length && /\s/.test(q[i]!)) i++;
    if (i >= q.length) break;
    const start = i;
    let negated = false;
    if (q[i] === '-' && i + 1 < q.length && !/\s/.test(q[i + 1]!)) {
      negated = true;
      i++;
    }
    let field: string | null = null;
    let fieldEnd = i;
    const m = /^([a-z_]+):/i.exec(q.slice(i));
    // socket:[123], pipe:[9], anon_inode:[eventfd] are what readlink shows: a path, not a field.
    if (m && !(q[i + m[0].length] === '[' && !FIELDS.includes(m[1]!.toLowerCase()))) {
      field = m[1]!.toLowerCase();
      i += m[0].length;
      fieldEnd = i;
    }
    let value = '';
    let quoted = false;
    while (i < q.length && !/\s/.test(q[i]!)) {
      if (q[i] === '"') {
        quoted = true;
        const qs = i;
        i++;
        while (i < q.length && q[i] !== '"') {
          if (q[i] === '\\' && i + 1 < q.length) i++;
          value += q[i];
          i++;
        }
        if (i >= q.length) throw new QueryError('query-syntax', 'unterminated quote', qs, q.length, q.slice(qs));
        i++;
      } else value += q[i++];
    }
    out.push({ raw: q.slice(start, i), start, end: i, negated, field, fieldEnd, value, quoted });
  }
  return out;
}

function fail(t: Token, code: 'query-syntax' | 'query-unknown-field' | 'query-bad-value', msg: string, onValue = true): never {
  const s = onValue ? t.fieldEnd : t.start;
  throw new QueryError(code, msg, s, t.end, t.raw.slice(s - t.start) || t.raw);
}

/** Points the error at one alternative of a comma list when it can be found in the raw token. */
function failPart(t: Token, part: string, code: 'query-bad-value', msg: string): never {
  const rawValue = t.raw.slice(t.fieldEnd - t.start);
  const at = t.quoted ? -1 : rawValue.split(/[,|]/).indexOf(part);
  if (at < 0) fail(t, code, msg);
  const off = rawValue
    .split(/[,|]/)
    .slice(0, at)
    .reduce((n, x) => n + x.length + 1, 0);
  const start = t.fieldEnd + off;
  throw new QueryError(code, msg, start, start + part.length, part);
}

function alternatives(t: Token): string[] {
  const vs = t.quoted ? [t.value] : t.value.split(',');
  if (vs.some((v) => v === '')) fail(t, 'query-bad-value', `${t.field ?? 'path'}: empty value`);
  return vs;
}

/**
 * Ranges of a numeric field up to `max`, its largest value (a uid is 32
 * bits, a pid or fd fits 31): `>N` runs to it, and `<0` or `>max`, which
 * nothing can match, are refused rather than read as an empty range.
 */
function ranges(t: Token, max = 2 ** 31 - 1): [number, number][] {
  return alternatives(t).map((v) => {
    const m = /^(\d+)(?:-(\d+))?$/.exec(v) ?? /^([<>])(\d+)$/.exec(v);
    if (!m) failPart(t, v, 'query-bad-value', `${t.field}: "${v}" is not a number, a range N-M, or <N / >N`);
    if (m[1] === '<' || m[1] === '>') {
      const n = Number(m[2]);
      if (m[1] === '<' ? n === 0 : n >= max)
        failPart(t, v, 'query-bad-value', `${t.field}: nothing is ${m[1]} ${m[2]} (values run 0-${max})`);
      return m[1] === '<' ? [0, Math.min(n - 1, max)] : [n + 1, max];
    }
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    // A number past the field's largest value matches nothing: say so, naming the limit.
    if (a > max) {
      const what = { pid: 'pid', fd: 'fd number', uid: 'uid' }[t.field!] ?? 'port';
      const inRange = m[2] === undefined ? '' : ` (the start of "${v}")`;
      failPart(t, v, 'query-bad-value', `${t.field}: ${m[1]} is past the largest ${what}, ${max}${inRange}`);
    }
    if (b < a) failPart(t, v, 'query-bad-value', `${t.field}: bad range "${v}": its end is below its start`);
    // A range may run past the limit (pid:100-99999999999), as >N runs to it.
    return [a, Math.min(b, max)];
  });
}

function yesNo(t: Token): boolean {
  const v = t.value.toLowerCase();
  if (['yes', 'y', 'true', '1'].includes(v)) return true;
  if (['no', 'n', 'false', '0'].includes(v)) return false;
  return fail(t, 'query-bad-value', `${t.field}: expected yes or no, got "${t.value}"`);
}

/** A date: ISO 8601 (2026-11-20, 2026-11-20T10:00), epoch ms, or an age such as 30m, 12h, 7d ago from `now`. */
export function parseTime(v: string, now: number, endOfDay = false): number | undefined {
  const age = /^(\d+)(s|m|h|d|w)$/.exec(v);
  if (age) return now - Number(age[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5 }[age[2] as 's']!;
  if (/^\d{10,}$/.test(v)) return Number(v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v)) return undefined;
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(v);
  const t = Date.parse(dateOnly ? `${v}T00:00:00Z` : /[zZ]|[+-]\d{2}:?\d{2}$/.test(v) ? v : `${v}Z`);
  if (Number.isNaN(t)) return undefined;
  return dateOnly && endOfDay ? t + 864e5 - 1 : t;
}

/** The furthest a Date reaches either side of the epoch, in ms (ECMAScript: 100,000,000 days). */
export const DATE_MAX_MS = 8.64e15;

/** Whether a time is one a Date can hold (years -271821 to 275760). */
export function isDateTime(ms: number): boolean {
  return Math.abs(ms) <= DATE_MAX_MS;
}

function time(t: Token, now: number): Term {
  const v = t.value;
  const field = t.field!;
  // A time a Date cannot hold (after:999999999w, 99999999999999999) is refused
  // here, naming the token, rather than failing later where it is printed.
  const outside = (part: string) =>
    fail(t, 'query-bad-value', `${field}: "${part}" is outside the dates a time can hold (years -271821 to 275760, ±8.64e15 ms from 1970)`);
  if (field === 'time') {
    const parts = v.split('..');
    if (parts.length !== 2) fail(t, 'query-bad-value', 'time: expected FROM..TO (either side may be empty)');
    const from = parts[0] ? parseTime(parts[0], now) : 0;
    const to = parts[1] ? parseTime(parts[1], now, true) : Number.MAX_SAFE_INTEGER;
    if (from === undefined || to === undefined)
      fail(t, 'query-bad-value', `time: cannot read "${v}" as dates (use 2026-11-20, 2026-11-20T10:00 or 7d)`);
    if (parts[0] && !isDateTime(from)) outside(parts[0]);
    if (parts[1] && !isDateTime(to)) outside(parts[1]);
    return { field: 'time', from, to };
  }
  const ts = parseTime(v, now, field === 'before');
  if (ts === undefined)
    fail(t, 'query-bad-value', `${field}: cannot read "${v}" as a date (use 2026-11-20, 2026-11-20T10:00 or 7d for 7 days ago)`);
  if (!isDateTime(ts)) outside(v);
  return field === 'after' ? { field: 'time', from: ts, to: Number.MAX_SAFE_INTEGER } : { field: 'time', from: 0, to: ts };
}

/** Only * and ? make a pattern a glob; [ is then a class, and otherwise an ordinary character (socket:[123]). */
export function isGlob(v: string): boolean {
  return /[*?]/.test(v);
}

/** A user name's uid on this machine (/etc/passwd), undefined when it has none. */
export type UserLookup = (name: string) => number | undefined;

/** Reads /etc/passwd on each query: a user added since stays findable in a long-running app. */
export const passwdLookup: UserLookup = (name) => systemUsers().get(name);

export function parseQuery(q: string, now = Date.now(), users: UserLookup = passwdLookup): ParsedQuery {
  if (typeof q !== 'string') throw new QueryError('query-syntax', 'the query must be text', 0, 0, '');
  if (q.length > 4000) throw new QueryError('query-syntax', 'query longer than 4000 characters', 4000, q.length, '');
  const terms: ParsedTerm[] = [];
  for (const t of tokenize(q)) {
    let term: Term;
    const f = t.field;
    if (f !== null && !FIELDS.includes(f)) fail(t, 'query-unknown-field', `unknown field "${f}:"; known: ${FIELDS.join(', ')}`, false);
    if (f !== null && t.value === '') fail(t, 'query-bad-value', `${f}: needs a value`, false);
    if (f === null && t.value === '') fail(t, 'query-syntax', 'empty term', false);
    switch (f) {
      case null:
      case 'path': {
        const values = alternatives(t);
        const glob = values.some(isGlob);
        if (glob) for (const v of values) checkGlob(t, v);
        term = { field: 'path', mode: glob ? 'glob' : 'substring', values };
        break;
      }
      case 'kind': {
        const values: string[] = [];
        for (const v of alternatives(t)) {
          const named = v.toLowerCase() === 'unknown' ? ['unknown'] : kindsNamed(v);
          if (named) values.push(...named);
          else failPart(t, v, 'query-bad-value', `kind: unknown kind "${v}"; known: ${kindNameList().join(', ')}`);
        }
        term = { field: 'kind', values };
        break;
      }
      case 'pid':
      case 'fd':
        term = { field: f, ranges: ranges(t) };
        break;
      case 'comm':
        term = { field: 'comm', values: alternatives(t) };
        break;
      case 'uid':
        term = { field: 'uid', ranges: ranges(t, UID_MAX) };
        break;
      case 'user': {
        // A name first (a user may be called "1000"); else a plain uid, as lsof -u takes either.
        const names = alternatives(t);
        const uids = names.map((n) => {
          const uid = users(n) ?? (/^\d{1,10}$/.test(n) ? Number(n) : undefined);
          if (uid === undefined)
            failPart(t, n, 'query-bad-value', `user: no user "${n}" in this machine's /etc/passwd (uid:N takes a number)`);
          return uid;
        });
        term = { field: 'uid', ranges: uids.map((u) => [u, u]), names };
        break;
      }
      case 'limit': {
        // The % is required: "limit:0.8" meant as a fraction would match nearly every process at 0.8%.
        const m = /^(\d{1,4}(?:\.\d+)?)%$/.exec(t.value);
        if (!m)
          fail(
            t,
            'query-bad-value',
            `limit: expected a percentage of the soft fd limit such as 80% or 100%, got "${t.value}"${limitHint(t.value)}`,
          );
        term = { field: 'limit', share: Number(m[1]) / 100 };
        break;
      }
      case 'flags': {
        const names = t.value.split(/[,|]/);
        const masks = names.map(
          (n) =>
            flagByName(n) ??
            failPart(t, n, 'query-bad-value', `flags: unknown flag "${n}" (use O_ names such as O_APPEND, O_RDWR, nonblock)`),
        );
        term = { field: 'flags', masks };
        break;
      }
      case 'deleted':
      case 'shared':
      case 'cloexec':
        term = { field: f, value: yesNo(t) };
        break;
      case 'port':
      case 'lport':
      case 'rport': {
        term = { field: 'port', side: SIDES[f]!, ranges: ranges(t, 65535) };
        break;
      }
      case 'addr':
      case 'laddr':
      case 'raddr':
        term = { field: 'addr', side: SIDES[f]!, matchers: alternatives(t).map((v) => addrMatcher(t, v)) };
        break;
      case 'state': {
        const values = alternatives(t).map((v) => {
          // UNCONN: what show (and ss) print for a udp or raw socket in CLOSE.
          const s = v.toUpperCase().replace(/-/g, '_') === 'UNCONN' ? 'CLOSE' : v.toUpperCase().replace(/-/g, '_');
          if (!SOCKET_STATES.includes(s))
            failPart(t, v, 'query-bad-value', `state: unknown socket state "${v}"; known: ${SOCKET_STATES.join(', ')}`);
          return s;
        });
        term = { field: 'state', values };
        break;
      }
      case 'label':
      case 'tag':
        term = { field: f, values: alternatives(t) };
        break;
      case 'image': {
        const values = alternatives(t).map((v) => v.toLowerCase());
        for (const v of values)
          if (!/^[0-9a-f]{1,64}$/.test(v)) failPart(t, v, 'query-bad-value', `image: "${v}" is not an image id or id prefix (hex digits)`);
        term = { field: 'image', values };
        break;
      }
      default:
        term = time(t, now);
    }
    terms.push({ term, negated: t.negated, start: t.start, end: t.end, text: t.raw });
  }
  return { terms, normalized: terms.map(normalizeTerm).join(' ') };
}

function checkGlob(t: Token, v: string): void {
  let depth = 0;
  for (const ch of v) {
    if (ch === '[') depth++;
    else if (ch === ']') depth = Math.max(0, depth - 1);
  }
  if (depth) fail(t, 'query-bad-value', `unclosed [ in the pattern "${v}"`);
}

function quote(v: string): string {
  return /[\s",]/.test(v) || v === '' ? `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"` : v;
}

function normalizeTerm(p: ParsedTerm): string {
  const t = p.term;
  const neg = p.negated ? '-' : '';
  switch (t.field) {
    case 'path':
      return `${neg}path:${t.values.map(quote).join(',')}`;
    case 'kind':
    case 'comm':
    case 'label':
    case 'tag':
    case 'image':
      return `${neg}${t.field}:${t.values.map(quote).join(',')}`;
    case 'limit':
      return `${neg}limit:${+(t.share * 100).toFixed(6)}%`;
    case 'uid':
      if (t.names) return `${neg}user:${t.names.map(quote).join(',')}`;
      return `${neg}uid:${t.ranges.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')}`;
    case 'pid':
    case 'fd':
      return `${neg}${t.field}:${t.ranges.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')}`;
    case 'flags':
      return `${neg}flags:${p.text.slice(p.text.indexOf(':') + 1).toUpperCase()}`;
    case 'deleted':
    case 'shared':
    case 'cloexec':
      return `${neg}${t.field}:${t.value ? 'yes' : 'no'}`;
    case 'port':
      return `${neg}${{ any: 'port', local: 'lport', remote: 'rport' }[t.side]}:${t.ranges.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')}`;
    case 'addr':
      return `${neg}${{ any: 'addr', local: 'laddr', remote: 'raddr' }[t.side]}:${t.matchers.map((m) => quote(m.text)).join(',')}`;
    case 'state':
      return `${neg}state:${t.values.join(',')}`;
    case 'time':
      return `${neg}time:${t.from ? new Date(t.from).toISOString() : ''}..${t.to < Number.MAX_SAFE_INTEGER ? new Date(t.to).toISOString() : ''}`;
  }
}

function addrMatcher(t: Token, v: string): AddrMatcher {
  if (isGlob(v)) return { glob: globToRegExp(v), text: v };
  const slash = v.lastIndexOf('/');
  const host = slash < 0 ? v : v.slice(0, slash);
  const net = parseIp(host);
  const v4 = net !== null && !host.includes(':');
  const max = v4 ? 32 : 128;
  const bits = slash < 0 ? max : /^\d{1,3}$/.test(v.slice(slash + 1)) ? Number(v.slice(slash + 1)) : NaN;
  if (!net || !(bits <= max))
    failPart(
      t,
      v,
      'query-bad-value',
      `${t.field}: "${v}" is not an IP address (10.0.0.5, ::1), a CIDR prefix (10.0.0.0/8, fd00::/8) or a glob over the address (10.0.*)`,
    );
  const shown = host.replace(/^\[(.*)\]$/, '$1');
  return { net, bits: v4 ? bits + 96 : bits, text: slash < 0 ? shown : `${shown}/${bits}` };
}

/**
 * An IPv4 or IPv6 address (brackets and a %zone allowed) as 16 bytes, IPv4
 * as ::ffff:a.b.c.d; null when it is not one.
 */
export function parseIp(s: string): Uint8Array | null {
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0 && s.includes(':')) s = s.slice(0, zone);
  const out = new Uint8Array(16);
  const v4 = (x: string, at: number): boolean => {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(x);
    if (!m) return false;
    for (let i = 0; i < 4; i++) {
      const n = Number(m[i + 1]);
      if (n > 255) return false;
      out[at + i] = n;
    }
    return true;
  };
  if (!s.includes(':')) {
    if (!v4(s, 12)) return null;
    out[10] = out[11] = 0xff;
    return out;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const words = (h: string): string[] => (h === '' ? [] : h.split(':'));
  const head = words(halves[0]!);
  const tail = halves.length === 2 ? words(halves[1]!) : [];
  // A dotted IPv4 tail (::ffff:10.0.0.5) stands for the last two words.
  const last = (halves.length === 2 ? tail : head).at(-1);
  let dotted = 0;
  if (last?.includes('.')) {
    if (!v4(last, 12)) return null;
    (halves.length === 2 ? tail : head).pop();
    dotted = 2;
  }
  const n = head.length + tail.length + dotted;
  if (halves.length === 1 ? n !== 8 : n > 7) return null;
  const put = (ws: string[], at: number): boolean =>
    ws.every((w, i) => {
      if (!/^[0-9a-f]{1,4}$/i.test(w)) return false;
      const x = parseInt(w, 16);
      out[(at + i) * 2] = x >> 8;
      out[(at + i) * 2 + 1] = x & 255;
      return true;
    });
  if (!put(head, 0) || !put(tail, 8 - dotted - tail.length)) return null;
  return out;
}

/** Whether the first `bits` bits of a and b agree. */
export function samePrefix(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  let i = 0;
  for (; bits >= 8; bits -= 8, i++) if (a[i] !== b[i]) return false;
  return bits === 0 || ((a[i]! ^ b[i]!) & (0xff << (8 - bits)) & 0xff) === 0;
}

/** A shell-style glob over a whole path: * any run (including /), ? one character, [...] a class. */
export function globToRegExp(g: string): RegExp {
  let re = '^';
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const j = g.indexOf(']', i + 2);
      if (j < 0) re += '\\[';
      else {
        let cls = g.slice(i + 1, j).replace(/\\/g, '\\\\');
        if (cls.startsWith('!')) cls = '^' + cls.slice(1);
        re += `[${cls}]`;
        i = j;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(re + '$', 's');
}

/**
 * A guess at the percentage a bare number meant: a fraction below 1 as a
 * share (0.8 -> 80%), a whole number up to 9999 as itself. None for 1 (1%
 * and 100% are as likely) or for what would not parse either.
 */
function limitHint(v: string): string {
  if (!/^\d+(\.\d+)?$/.test(v)) return '';
  const n = Number(v);
  const pct = n < 1 ? Number((n * 100).toFixed(4)) : n === 1 ? null : n;
  return pct !== null && pct > 0 && pct <= 9999 ? ` (did you mean ${pct}%?)` : '';
}
