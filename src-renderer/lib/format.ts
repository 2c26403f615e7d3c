/** Display helpers: byte strings, sizes, times, as the rest of the product shows them. */
import { displayBStr, type BStrJson } from '../../src-shared/model/bstr.js';

/**
 * A byte string for display: the escaped text the backend already made, or
 * the UTF-8 text escaped the same way (displayBStr), so that no two names,
 * valid UTF-8 or not, ever look the same.
 */
export function bstr(b: BStrJson | undefined | null): string {
  if (b === undefined || b === null) return '';
  return typeof b === 'string' ? displayBStr(b) : b.text;
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
