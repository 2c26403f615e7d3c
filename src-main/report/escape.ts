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
export function md(s: string): string {
  return s.replace(MD_SPECIAL, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : `\\${c}`));
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
