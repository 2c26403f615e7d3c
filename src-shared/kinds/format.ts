import type { U64 } from '../model/snapshot.js';

/** The major and minor numbers of a Linux dev_t (new 32-bit encoding). */
export function deviceNumbers(dev: U64): [major: bigint, minor: bigint] {
  const d = BigInt(dev);
  return [((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn), (d & 0xffn) | ((d >> 12n) & ~0xffn)];
}

/** "major:minor" of a Linux dev_t. */
export function formatDevice(dev: U64): string {
  return deviceNumbers(dev).join(':');
}
