/** Display helpers: byte strings, sizes, times, as the rest of the product shows them. */
import { displayBStr, type BStrJson } from '../../src-shared/model/bstr.js';
import { formatSize } from '../../src-shared/model/size-text.js';

/**
 * A byte string for display: the escaped text the backend already made, or
 * the UTF-8 text escaped the same way (displayBStr), so that no two names,
 * valid UTF-8 or not, ever look the same.
 */
export function bstr(b: BStrJson | undefined | null): string {
  if (b === undefined || b === null) return '';
  return typeof b === 'string' ? displayBStr(b) : b.text;
}

/**
 * Where an image was captured, "proc on web-1 (x86_64, 6.1.0)", leaving out
 * what the source did not record (a CRIU dump has no kernel release, and a
 * host name only when its uts namespace was dumped).
 */
export function origin(source: string, host: BStrJson, arch: BStrJson, kernel: BStrJson): string {
  const platform = [bstr(arch), bstr(kernel)].filter((x) => x !== '').join(', ');
  return `${source}${bstr(host) ? ` on ${bstr(host)}` : ''}${platform ? ` (${platform})` : ''}`;
}

/** Sizes as show and reports say them (one formatter for all). */
export const size = (n: number): string => formatSize(n);

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

/** A signed byte count as sizes are said everywhere (formatSize: exact bytes below 1 KiB, else KiB, MiB, … named): "+2.9 KiB", "−12 B". */
export function signedBytes(n: number): string {
  return `${n < 0 ? '−' : '+'}${formatSize(Math.abs(n))}`;
}
