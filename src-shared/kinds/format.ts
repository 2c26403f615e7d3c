import type { U64 } from '../model/snapshot.js';

/** "major:minor" of a Linux dev_t (new 32-bit encoding). */
export function formatDevice(dev: U64): string {
  const d = BigInt(dev);
  const major = ((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn);
  const minor = (d & 0xffn) | ((d >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}
