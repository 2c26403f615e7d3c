/**
 * File locks as a person reads them, in `ckpt show`, reports and the app:
 * which kind (flock, POSIX record lock, open file description lock,
 * lease), shared or exclusive, over which bytes, and, for a POSIX lock,
 * which process the kernel says holds it (a lock belongs to a process, not
 * to the fd it was taken through).
 */
import type { FileLock } from './snapshot.js';

/** A lock's fields as an image or its JSON form holds them (positions as u64, a number or its decimal text). */
export type LockLike = Pick<FileLock, 'kind' | 'write' | 'pid'> & {
  start: number | bigint | string;
  end: number | bigint | string | null;
};

const whole = (l: LockLike) => String(l.start) === '0' && l.end === null;

/** The bytes a lock covers: "0-9", "100-EOF", or "" for the whole file. */
function range(l: LockLike): string {
  return whole(l) ? '' : `${String(l.start)}-${l.end === null ? 'EOF' : String(l.end)}`;
}

/** Short, for one line of fds: "flock W", "posix R 0-9" (R shared, W exclusive; the range when not the whole file). */
export function lockShort(l: LockLike): string {
  const r = range(l);
  return `${l.kind} ${l.write ? 'W' : 'R'}${r ? ` ${r}` : ''}`;
}

/** The locks of one open file on a line of fds: "[lock flock W]", "[locks posix W 0-9, posix R 10-EOF]"; "" when none. */
export function locksTag(locks: readonly LockLike[]): string {
  if (!locks.length) return '';
  return `[lock${locks.length > 1 ? 's' : ''} ${locks.map(lockShort).join(', ')}]`;
}

/** Long, for a file's details: "POSIX record lock, exclusive (write), bytes 0-9, held by process 123". */
export function lockLong(l: LockLike): string {
  const kind =
    { posix: 'POSIX record lock', flock: 'flock lock', ofd: 'open file description lock', lease: 'lease' }[l.kind] ?? String(l.kind);
  const r = range(l);
  const who = l.pid > 0 ? `, held by process ${l.pid}` : '';
  return `${kind}, ${l.write ? 'exclusive (write)' : 'shared (read)'}, ${r ? `bytes ${r}` : 'whole file'}${who}`;
}
