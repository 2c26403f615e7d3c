/**
 * Escaping for each output format. File names are attacker-controlled; the
 * text reaching these functions is already displayBStr'd (no control
 * characters, invalid bytes as \xNN, bidi overrides as \u202e), so what is
 * left is each format's own syntax.
 */
export function html(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/*
 * Markdown: a report is read raw (pasted in a ticket, grepped) as often as
 * rendered, so only what would be markup where it stands is escaped, and a
 * path stays `app.log (deleted)` and an address `127.0.0.1:1 -> 10.0.0.1:2`.
 * Escaped: a backslash before punctuation (else it would escape it), `, *,
 * ~, _ where it could open or close emphasis, < (raw HTML, autolinks), &
 * of an entity, ]( and ][ (links, images), | (table cells), the :// and
 * www. of an autolink, a # that starts a word (a heading's closing #s),
 * and where the text starts a line what would start a block there
 * (- + > = 1. 1)). Control characters (none reach here from an image:
 * they are displayBStr'd) are written as \xNN so no line can break.
 */
const CONTROL = /[\x00-\x1f\x7f]/g; // eslint-disable-line no-control-regex -- the characters a line must not hold
const controls = (s: string) =>
  s.replace(CONTROL, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
const ALNUM = /[\p{L}\p{N}]/u;
const PUNCT = /[!-/:-@[-`{-~]/;

/** `lineStart`: the text starts a line's blocks (a list item's text), where - + > = and 1. would start a block. */
export function md(text: string, lineStart = false): string {
  const s = controls(text);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const next = s.charAt(i + 1);
    switch (c) {
      case '\\':
        out += next === '' || PUNCT.test(next) ? '\\\\' : c;
        break;
      case '`':
      case '*':
      case '~':
      case '|':
      case '<':
        out += `\\${c}`;
        break;
      case '_':
        // Between two letters or digits an _ opens no emphasis (CLOSE_WAIT).
        out += ALNUM.test(s.charAt(i - 1)) && ALNUM.test(next) ? c : '\\_';
        break;
      case '&':
        out += /^&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);/.test(s.slice(i)) ? '\\&' : c;
        break;
      case ']':
        out += next === '(' || next === '[' ? '\\]' : c;
        break;
      case ':':
        out += s.startsWith('//', i + 1) ? '\\:' : c;
        break;
      case '.':
        // www. at a word's start is a GFM autolink.
        out += /(^|[\s(*_~])www$/i.test(s.slice(Math.max(0, i - 4), i)) ? '\\.' : c;
        break;
      case '#':
        // At the start, or after a space (the closing #s of a heading).
        out += i === 0 || /\s/.test(s.charAt(i - 1)) ? '\\#' : c;
        break;
      default:
        out += c;
    }
  }
  if (!lineStart) return out;
  if (/^[-+>=]/.test(out)) return `\\${out}`;
  const list = /^(\d{1,9})([.)])/.exec(out);
  if (list) return `${list[1]}\\${list[2]}${out.slice(list[0].length)}`;
  if (/^\s/.test(out)) return `&#32;${out.slice(1)}`;
  return out;
}

/**
 * Markdown code span, for names and paths: literal to every reader (no
 * emphasis, link, HTML or autolink inside), fenced with one more backtick
 * than the longest run in the text. In a table cell (`cell`) each | is \|,
 * which GFM takes out before it reads the span.
 */
export function mdCode(text: string, cell = false): string {
  let s = controls(text);
  if (!s) return '';
  if (cell) s = s.replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  // A space each side is taken off when both ends have one: pad a text that starts or ends with ` or has spaces both ends.
  const pad = s.startsWith('`') || s.endsWith('`') || (s.startsWith(' ') && s.endsWith(' ')) ? ' ' : '';
  return `${fence}${pad}${s}${pad}${fence}`;
}

/** RFC 4180 field; a leading = + - @ or tab is prefixed with ' so spreadsheets do not run it as a formula. */
export function csv(s: string): string {
  let v = s;
  if (/^[=+\-@\t\r]/.test(v) && !/^-?\d+(\.\d+)?$/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v;
}

/** JSON that is also safe inside HTML or a script tag: <, >, & and line separators as \u escapes. */
export function json(v: unknown): string {
  return jsonEscaped(JSON.stringify(v, null, 1));
}

/** JSON text with <, >, & and the line separators as \u escapes (safe inside HTML and JavaScript; the same JSON). */
export function jsonEscaped(s: string): string {
  return s.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
