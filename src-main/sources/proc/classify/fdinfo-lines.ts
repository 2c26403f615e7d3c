/** Helpers for the kind-specific fdinfo lines ("key:\tvalue" or "key: value"). */
import type { U64 } from '../../../../src-shared/model/index.js';

/** Value text of the first line starting with `key:`, trimmed; undefined when absent. */
export function lineValue(extra: string, key: string): string | undefined {
  let at = 0;
  if (!extra.startsWith(key + ':')) {
    const i = extra.indexOf('\n' + key + ':');
    if (i < 0) return undefined;
    at = i + 1;
  }
  const start = at + key.length + 1;
  const end = extra.indexOf('\n', start);
  return extra.slice(start, end < 0 ? undefined : end).trim();
}

/** An unsigned number as U64: a number while safe, a bigint above. */
export function toU64(text: string | undefined, radix: 10 | 16 | 8 = 10): U64 {
  if (!text) return 0;
  const t = text.trim();
  const v = parseInt(t, radix);
  if (!Number.isFinite(v) || v < 0) return 0;
  if (v <= Number.MAX_SAFE_INTEGER) return v;
  return BigInt((radix === 16 ? '0x' : radix === 8 ? '0o' : '') + t);
}

export function toNum(text: string | undefined, radix: 10 | 16 | 8 = 10): number {
  if (!text) return 0;
  const v = parseInt(text.trim(), radix);
  return Number.isFinite(v) ? v : 0;
}

/** Fields "name:VALUE" on one line, e.g. epoll's "tfd: 5 events: 19 data: 2a pos:0 ino:1 sdev:f". */
export function fields(line: string): Map<string, string> {
  const m = new Map<string, string>();
  const re = /([A-Za-z_-]+):\s*(\S+)/g;
  for (let r = re.exec(line); r; r = re.exec(line)) m.set(r[1]!, r[2]!);
  return m;
}

/** The kernel's internal dev_t (major << 20 | minor), as fdinfo prints sdev, in st_dev encoding. */
export function kernelDevToUser(kdev: number): number {
  const major = Math.floor(kdev / 1048576);
  const minor = kdev % 1048576;
  const u = (minor & 0xff) + (major & 0xfff) * 256 + Math.floor(minor / 256) * 1048576 + Math.floor(major / 4096) * 4294967296;
  return u <= 0xffffffff ? u : kdev;
}
