/**
 * Hostile names through every export: a path, comm, command line and label
 * holding <script>, quotes, newlines, bidi overrides and invalid UTF-8 come
 * out inert and recognisable in HTML, Markdown, JSON and CSV.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, displayBStr, O } from '../../src-shared/model/index.js';
import type { ExportFormat, ExportRequest } from '../../src-shared/store-types.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { simulate } from '../../src-main/sim/index.js';
import { Store } from '../../src-main/store/index.js';
import { tempHome, T0 } from '../store/helpers.js';

const enc = (s: string) => [...Buffer.from(s)];
const EVIL_PATH = Uint8Array.from([
  ...enc('/tmp/a\n"quoted",<script>alert(1)</script>|`x`\r'),
  0xff,
  0xc3,
  ...enc("'\u202e=cmd|' /C calc"),
]);
const EVIL_COMM = Uint8Array.from([...enc('<b>'), 0xfe, ...enc('"')]);
const EVIL_LABEL = '<img src=x onerror=alert(1)> "label" | `tick`';

let store: Store;
let cleanup: () => void;
let a: string;
let b: string;

beforeAll(() => {
  const h = tempHome();
  cleanup = h.cleanup;
  store = Store.open(h.home);
  const A = simulate({ scenario: 'everything', time: T0 });
  const B = simulate({ scenario: 'everything', time: T0 + 3_600_000 });
  for (const s of [A, B]) {
    s.tasks[0]!.comm = EVIL_COMM;
    s.tasks[0]!.cmdline = ['/bin/x', '--name=\n<script>', EVIL_PATH];
  }
  // In B the hostile file is at a new position and a second hostile file is open.
  const f = B.files.find((x) => x.path === '/home/dev/notes.txt')!;
  f.path = EVIL_PATH;
  f.flags = O.O_RDWR;
  // B could not read one link: a capture error whose place is a hostile name too.
  B.errors.push({
    errno: 'ENAMETOOLONG',
    pid: B.tasks[0]!.pid,
    fd: 7,
    where: EVIL_PATH,
    message: 'cannot read link: the fd is kept, its name not known',
  });
  // An image's error text is the image's, not ours: a crafted one holds terminal escapes and a newline.
  B.errors.push({ errno: 'E\x1b]0;PWNED\x07', pid: B.tasks[0]!.pid, fd: -1, where: '/proc', message: 'evil\x1b[2J\nsecond | line\u202e' });
  a = store.importBytes(encodeSnapshot(A), { label: EVIL_LABEL, tags: ['t'] }).image.id;
  b = store.importBytes(encodeSnapshot(B), { label: EVIL_LABEL + ' 2', tags: ['t'] }).image.id;
});

afterAll(() => {
  store.close();
  cleanup();
});

const requests = (): [string, ExportRequest][] => [
  ['image', { what: 'image', id: b }],
  ['diff', { what: 'diff', a, b }],
  ['search', { what: 'search', query: 'calc' }],
  ['holders', { what: 'holders', query: 'calc' }],
  ['timeline', { what: 'timeline', selector: { tag: 't' } }],
];

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i++;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
    i++;
  }
  expect(quoted).toBe(false);
  expect(field).toBe('');
  return rows;
}

const shown = displayBStr(EVIL_PATH);

/** The Markdown without its code spans (a run of n backticks to the next run of exactly n), each line's table cells joined. */
function proseOf(md: string): string {
  return md
    .split('\n')
    .map((whole) => {
      // The template's own bold keys: "- **key**: value".
      const line = whole.replace(/^- \*\*((?:[^\\*]|\\.)*)\*\*: /, '- $1: ');
      let out = '';
      let i = 0;
      while (i < line.length) {
        if (line[i] === '\\') {
          out += line.slice(i, i + 2);
          i += 2;
          continue;
        }
        const run = /^`+/.exec(line.slice(i));
        if (!run) {
          out += line[i++];
          continue;
        }
        const close = new RegExp(`(?<!\`)${run[0]}(?!\`)`, 'g');
        close.lastIndex = i + run[0].length;
        const m = close.exec(line);
        if (!m) {
          out += line.slice(i, i + run[0].length);
          i += run[0].length;
          continue;
        }
        i = m.index + run[0].length;
      }
      return out;
    })
    .join('\n');
}

describe('exports with hostile names', () => {
  it('the display form escapes the name as expected', () => {
    expect(shown).toBe('/tmp/a\\n"quoted",<script>alert(1)</script>|`x`\\r\\xff\\xc3\'\\u202e=cmd|\' /C calc');
  });

  for (const [what] of requests()) {
    it(`${what} as HTML is inert: no markup from data, no network`, () => {
      const req = requests().find(([w]) => w === what)![1];
      const html = store.export(req, 'html');
      expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
      expect(html).toContain("default-src 'none'");
      expect(html.toLowerCase()).not.toContain('<script');
      expect(html.toLowerCase()).not.toContain('<img');
      // Real tags (only the template makes them) carry no event handlers or links.
      for (const tag of html.match(/<[^>]*>/g) ?? []) expect(tag).not.toMatch(/\s(src|href|on\w+)\s*=/i);
      // The hostile label (who holds it names no image by label).
      if (what !== 'holders') expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
      expect(html.replaceAll('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:|\/\//);
      expect(html).not.toContain('\u202e');
      if (what !== 'timeline') expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
      if (what === 'image' || what === 'search' || what === 'holders') expect(html).toContain('\\xff\\xc3&#39;\\u202e=cmd|&#39; /C calc');
    });

    it(`${what} as Markdown keeps tables whole and markup escaped`, () => {
      const req = requests().find(([w]) => w === what)![1];
      const md = store.export(req, 'md');
      // Outside code spans no markup: no unescaped < (HTML), ` * ~, link or emphasis opener.
      const prose = proseOf(md);
      expect(prose).not.toMatch(/(^|[^\\])(\\\\)*[<`*~]/);
      expect(prose).not.toMatch(/(^|[^\\])(\\\\)*\]\(/);
      expect(prose).not.toMatch(/(^|[^\\\p{L}\p{N}])(\\\\)*_/u);
      expect(md).not.toContain('\u202e');
      // Every table row has as many unescaped cell separators as its header.
      let cols = -1;
      for (const line of md.split('\n')) {
        if (!line.startsWith('|')) {
          cols = -1;
          continue;
        }
        const n = line.replace(/\\\|/g, '').split('|').length;
        if (cols < 0) cols = n;
        expect(n).toBe(cols);
      }
      // The hostile path as it is, in a code span (fenced past its backticks; | as \| in a table).
      if (what === 'image' || what === 'search' || what === 'holders') expect(md).toContain('| ``' + shown.replace(/\|/g, '\\|') + '`` |');
    });

    it(`${what} as JSON parses and keeps the exact bytes`, () => {
      const req = requests().find(([w]) => w === what)![1];
      const text = store.export(req, 'json');
      expect(text).not.toMatch(/[<>\u2028\u2029]/);
      const data = JSON.parse(text) as unknown;
      const s = JSON.stringify(data);
      if (what !== 'timeline') expect(s).toContain(bytesToHex(EVIL_PATH));
      if (what !== 'holders') expect(s).toContain(EVIL_LABEL.replace(/"/g, '\\"'));
    });

    it(`${what} as CSV has one record per row and the name recognisable`, () => {
      const req = requests().find(([w]) => w === what)![1];
      const csv = store.export(req, 'csv');
      // Valid UTF-8: no lone surrogate that encoding would turn into U+FFFD.
      expect(Buffer.from(csv, 'utf8').toString('utf8')).toBe(csv);
      const rows = parseCsv(csv);
      expect(rows.length).toBeGreaterThan(1);
      for (const r of rows) expect(r.length).toBe(rows[0]!.length);
      if (what === 'image' || what === 'search' || what === 'holders') expect(rows.some((r) => r.includes(shown))).toBe(true);
      if (what === 'diff') expect(rows.some((r) => r.some((c) => c.includes(shown)))).toBe(true);
      // No cell starts a spreadsheet formula.
      for (const r of rows) for (const c of r) expect(c).not.toMatch(/^[=+@]/);
    });
  }

  it('an image report lists its capture errors in every format', () => {
    const pid = String(store.getSnapshot(b).tasks[0]!.pid);
    const html = store.export({ what: 'image', id: b }, 'html');
    expect(html).toContain('<h2>Capture errors</h2>');
    expect(html).toMatch(/<td>ENAMETOOLONG<\/td>/);
    expect(html).not.toContain('<script>alert');
    const md = store.export({ what: 'image', id: b }, 'md');
    expect(md).toContain('- **Capture errors**: 2 (listed under Capture errors)');
    expect(md).toMatch(/\| ENAMETOOLONG \| \d+ \| 7 \| .* \| cannot read link: the fd is kept, its name not known \|/);
    for (const text of [html, md]) {
      // eslint-disable-next-line no-control-regex -- the raw bytes must not be there
      expect(text).not.toMatch(/[\x1b\x07\u202e]/);
      expect(text).toMatch(/evil\\+x1b/);
    }
    const rows = parseCsv(store.export({ what: 'image', id: b }, 'csv'));
    const err = rows.filter((r) => r[3] === 'capture error');
    expect(err).toHaveLength(2);
    // eslint-disable-next-line no-control-regex -- the raw bytes must not be there
    expect(err[1]![8]).not.toMatch(/[\x1b\x07\n\u202e]/);
    expect(err[0]!.slice(0, 3)).toEqual([pid, displayBStr(EVIL_COMM), '7']);
    expect(err[0]![8]).toMatch(/^ENAMETOOLONG .*: cannot read link/);
    // An image without errors says none and has no such table.
    expect(store.export({ what: 'image', id: a }, 'md')).toContain('- **Capture errors**: none');
    expect(store.export({ what: 'image', id: a }, 'html')).not.toContain('<h2>Capture errors');
  });

  it('a label, tag or host with bidi or control characters is shown escaped, as names are (a file name can become a label)', () => {
    const snap = simulate({ scenario: 'leaky', time: T0 + 7_200_000 });
    snap.header.hostname = 'host\u202eLIVE\x1b[31mred'; // an image's header is the image's, like any name in it
    const id = store.importBytes(encodeSnapshot(snap), { label: 'evil\u202eLABEL', tags: ['x\u202ey'] }).image.id;
    for (const fmt of ['html', 'md', 'csv'] as const) {
      const text = store.export({ what: 'image', id }, fmt);
      expect(text, fmt).not.toContain('\u202e');
      // eslint-disable-next-line no-control-regex -- the raw bytes must not be there
      expect(text, fmt).not.toMatch(/\x1b/);
      if (fmt !== 'csv') expect(text, fmt).toContain('evil\\u202eLABEL'); // CSV is the fd table: no label
      if (fmt !== 'csv') expect(text, fmt).toContain('host\\u202eLIVE\\x1b[31mred');
    }
    expect(store.export({ what: 'image', id }, 'md')).toContain('x\\u202ey');
  });

  it('Markdown keeps paths, addresses and titles greppable: no escaped . ( ) - or &gt;', () => {
    const md = store.export({ what: 'image', id: a }, 'md');
    const snap = store.getSnapshot(a);
    const paths = snap.files.map((f) => displayBStr(f.path)).filter((p) => /^\/[\w/.-]+\.\w+$/.test(p));
    expect(paths.length).toBeGreaterThan(3);
    for (const p of paths) expect(md).toContain(p);
    expect(md).toContain('`tcp6 [::1]:50000 -> [::1]:8443 ESTABLISHED`');
    expect(md).not.toMatch(/\\[.()-]|&gt;/);
    const diff = store.export({ what: 'diff', a, b }, 'md');
    expect(diff).toMatch(/^# Diff .* \([0-9a-f]{12}\) -> /);
  });

  it('refuses an unknown format and an unknown kind of export', () => {
    expect(() => store.export({ what: 'image', id: a }, 'pdf' as ExportFormat)).toThrow(/format/);
    expect(() => store.export({ what: 'nope' } as unknown as ExportRequest, 'html')).toThrow(/what/);
  });
});

describe('Markdown escaping', () => {
  it('leaves text as it reads (paths, addresses, intraword _) and escapes what would be markup there', async () => {
    const { md } = await import('../../src-main/report/escape.js');
    expect(md('tcp CLOSE_WAIT')).toBe('tcp CLOSE_WAIT');
    expect(md('/var/log/my-app_1.log (deleted)')).toBe('/var/log/my-app_1.log (deleted)');
    expect(md('tcp4 127.0.0.1:57208 -> 127.0.0.1:47123 ESTABLISHED')).toBe('tcp4 127.0.0.1:57208 -> 127.0.0.1:47123 ESTABLISHED');
    expect(md('Diff a (be56216de491) -> b')).toBe('Diff a (be56216de491) -> b');
    expect(md('_x_ *y* [a](b) <s> `c` |t| ~~d~~ #h !i')).toBe('\\_x\\_ \\*y\\* [a\\](b) \\<s> \\`c\\` \\|t\\| \\~\\~d\\~\\~ \\#h !i');
    expect(md('![i][r] a & b &amp; &#60;')).toBe('![i\\][r] a & b \\&amp; \\&#60;');
    expect(md('a__b')).toBe('a\\_\\_b'); // a run of two is not intraword on both sides
    expect(md('www.evil.example and http://x.example')).toBe('www\\.evil.example and http\\://x.example'); // no GFM autolink
    expect(md('/srv/www.example')).toBe('/srv/www.example');
    // A backslash stays where it escapes nothing (displayBStr's \n, \xff), is doubled before punctuation and at the end.
    expect(md('line1\\nline2 \\xff a\\*b c\\')).toBe('line1\\nline2 \\xff a\\\\\\*b c\\\\');
    // Control characters never reach a line raw.
    expect(md('a\nb\r\x1b')).toBe('a\\nb\\r\\x1b');
    // Where the text starts a line (a list item's text), what would start a block there.
    expect(md('- x')).toBe('- x');
    expect(md('- x', true)).toBe('\\- x');
    expect(md('> q', true)).toBe('\\> q');
    expect(md('12. x', true)).toBe('12\\. x');
    expect(md('3) x', true)).toBe('3\\) x');
    expect(md('[ ] task', true)).toBe('[ ] task');
  });

  it('code spans: fenced past the longest backtick run, padded where a space would be taken off, | escaped in a cell', async () => {
    const { mdCode } = await import('../../src-main/report/escape.js');
    expect(mdCode('/tmp/app.log (deleted)', true)).toBe('`/tmp/app.log (deleted)`');
    expect(mdCode('a`b``c', true)).toBe('```a`b``c```');
    expect(mdCode('`x`')).toBe('`` `x` ``');
    expect(mdCode(' both ')).toBe('`  both  `');
    expect(mdCode('a|b\\|c', true)).toBe('`a\\|b\\\\|c`');
    expect(mdCode('a|b')).toBe('`a|b`');
    expect(mdCode('a\nb')).toBe('`a\\nb`');
    expect(mdCode('')).toBe('');
  });
});
