/**
 * Locks from fdinfo's "lock:" lines (fs/locks.c lock_get_status), e.g.
 * "lock:\t1: POSIX  ADVISORY  WRITE 4242 fe:00:131 10 29": the locks set
 * through this open file, so no /proc/locks scan is needed.
 */
import type { FileLock, LockKind, U64 } from '../../../../src-shared/model/index.js';

const KINDS: Record<string, LockKind> = { POSIX: 'posix', FLOCK: 'flock', OFDLCK: 'ofd', LEASE: 'lease', DELEG: 'lease' };

function u64(t: string): U64 {
  const v = Number(t);
  return Number.isSafeInteger(v) ? v : BigInt(t);
}

export function parseLocks(extra: string): FileLock[] {
  const out: FileLock[] = [];
  for (const line of extra.split('\n')) {
    if (!line.startsWith('lock:')) continue;
    // Blocked waiters print "-> " before the type; they hold nothing.
    if (line.includes('->')) continue;
    const w = line.slice(5).trim().split(/\s+/);
    // [id:, TYPE, ADVISORY|..., READ|WRITE|UNLCK, pid, maj:min:ino, start, end]
    const kind = KINDS[w[1] ?? ''];
    if (!kind || w.length < 8) continue;
    out.push({ kind, write: w[3] === 'WRITE', pid: Number(w[4]), start: u64(w[6]!), end: w[7] === 'EOF' ? null : u64(w[7]!) });
  }
  return out;
}
