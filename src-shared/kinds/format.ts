import { displayBStr } from '../model/bstr.js';
import type { AttrRecord, OpenFile, U64 } from '../model/snapshot.js';

/** The major and minor numbers of a Linux dev_t (new 32-bit encoding). */
export function deviceNumbers(dev: U64): [major: bigint, minor: bigint] {
  const d = BigInt(dev);
  return [((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn), (d & 0xffn) | ((d >> 12n) & ~0xffn)];
}

/** "major:minor" of a Linux dev_t. */
export function formatDevice(dev: U64): string {
  return deviceNumbers(dev).join(':');
}

/**
 * A device file's summary: its name first, as lsof and ls show a device,
 * then the number that says which it really is ("/dev/sda (block 8:0)");
 * the number alone when the name is not known.
 */
export function deviceSummary(word: 'char' | 'block', f: Pick<OpenFile, 'path' | 'rdev'>): string {
  const num = `${word} ${formatDevice(f.rdev)}`;
  return f.path.length ? `${displayBStr(f.path)} (${num})` : num;
}

/**
 * A socket's queues as ss's Recv-Q and Send-Q, each only when not empty
 * (" recv-q 2 send-q 768", or ""): bytes nobody reads, or the peer does not
 * take, are what a stuck socket looks like.
 */
export function queuesText(a: AttrRecord): string {
  const rq = a.rxQueue ? ` recv-q ${String(a.rxQueue)}` : '';
  const sq = a.txQueue ? ` send-q ${String(a.txQueue)}` : '';
  return rq + sq;
}
