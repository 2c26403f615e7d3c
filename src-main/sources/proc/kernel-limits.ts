/**
 * The machine's file limits for a capture's header: when "too many open
 * files" is ENFILE (the whole system), or an inotify instance or watch
 * limit, no process's own count explains it.
 */
import { readFileSync } from 'node:fs';
import { KERNEL_LIMITS, type U64 } from '../../../src-shared/model/index.js';

/** The limits procRoot/sys/fs holds, by sysctl name; those it does not (an older kernel, a fake /proc) are left out. */
export function readKernelLimits(procRoot: string): Record<string, U64> {
  const out: Record<string, U64> = {};
  for (const name of KERNEL_LIMITS) {
    let text: string;
    try {
      text = readFileSync(`${procRoot}/sys/${name.replace(/\./g, '/')}`, 'latin1');
    } catch {
      continue;
    }
    // file-nr is "allocated  free(0)  max": its first field is the count.
    const m = /^\s*(\d+)/.exec(text);
    if (!m) continue;
    const n = Number(m[1]);
    out[name] = Number.isSafeInteger(n) ? n : BigInt(m[1]!);
  }
  return out;
}
