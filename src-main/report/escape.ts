/**
 * Escaping for each output format. File names are attacker-controlled; the
 * text reaching these functions is already displayBStr'd (no control
 * characters, invalid bytes as \xNN, bidi overrides as \u202e), so what is
 * left is each format's own syntax.
 */
export function html(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const MD_SPECIAL = /[\\`*_{}[\]()#+\-.!|<>&~]/g;
const WORD = /[A-Za-z0-9]/;
export function md(s: string): string {
  return s.replace(MD_SPECIAL, (c, at: number) => {
    if (c === '<') return '&lt;';
    if (c === '>') return '&gt;';
    if (c === '&') return '&amp;';
    // Between two letters or digits, _ and - are plain text to every
    // CommonMark reader (an intraword _ opens no emphasis; no list or rule
    // starts mid-word), so CLOSE_WAIT stays readable. A . stays escaped
    // even there: it keeps GFM from turning a hostile name into a link.
    if ((c === '_' || c === '-') && WORD.test(s.charAt(at - 1)) && WORD.test(s.charAt(at + 1))) return c;
    return `\\${c}`;
  });
}

/** RFC 4180 field; a leading = + - @ or tab is prefixed with ' so spreadsheets do not run it as a formula. */
export function csv(s: string): string {
  let v = s;
  if (/^[=+\-@\t\r]/.test(v) && !/^-?\d+(\.\d+)?$/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v;
}

/** JSON that is also safe inside HTML or a script tag: <, >, & and line separators as \u escapes. */
export function json(v: unknown): string {
  return JSON.stringify(v, null, 1).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
