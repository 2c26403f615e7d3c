/** Display helpers: byte strings, sizes, times, as the rest of the product shows them. */
import type { BStrJson } from '../../src-shared/model/bstr.js';

/** A byte string for display: the escaped text the backend already made, or the UTF-8 text itself. */
export function bstr(b: BStrJson | undefined | null): string {
  if (b === undefined || b === null) return '';
  return typeof b === 'string' ? escapeControls(b) : b.text;
}

/** Strings from the model are valid UTF-8 but may still hold control or bidi characters. */
export function escapeControls(s: string): string {
  if (/^[\x20-\x7e]*$/.test(s)) return s;
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (
      cp < 0x20 ||
      cp === 0x7f ||
      (cp >= 0x80 && cp < 0xa0) ||
      (cp >= 0x202a && cp <= 0x202e) ||
      (cp >= 0x2066 && cp <= 0x2069) ||
      cp === 0x2028 ||
      cp === 0x2029
    )
      out += cp < 0x100 ? '\\x' + cp.toString(16).padStart(2, '0') : '\\u' + cp.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out;
}

export function size(n: number): string {
  if (n < 1024) return `${n} B`;
  const u = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${u[i]}`;
}

export function time(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function num(n: number | string): string {
  return typeof n === 'number' ? n.toLocaleString('en-US') : n;
}

export function shortId(id: string): string {
  return id.slice(0, 12);
}
