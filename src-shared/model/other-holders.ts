/**
 * The other holders of an open file, seen from one of its fds: the first
 * few and how many in all. A file leaked by dup() can have 20,000 holders,
 * each of whose lines names "the others": copying the list for every fd
 * made `ckpt show` of one such process take 47 s.
 */

export interface HolderRef {
  pid: number;
  fd: number;
}

/** Per holder list, its pid:fd keys, built the first time a long list is asked about. */
const keysOf = new WeakMap<readonly HolderRef[], Set<number>>();

/** pids are below 2^22 (PID_MAX_LIMIT) and fds below 2^31: one safe integer each. */
const key = (pid: number, fd: number): number => pid * 2 ** 31 + fd;

function holds(list: readonly HolderRef[], pid: number, fd: number): boolean {
  if (list.length <= 16) return list.some((h) => h.pid === pid && h.fd === fd);
  let keys = keysOf.get(list);
  if (!keys) keysOf.set(list, (keys = new Set(list.map((h) => key(h.pid, h.fd)))));
  return keys.has(key(pid, fd));
}

/** `list` but (pid, fd): its first `max`, and how many there are in all. */
export function otherHolders(list: readonly HolderRef[], pid: number, fd: number, max: number): { shown: HolderRef[]; total: number } {
  const shown: HolderRef[] = [];
  for (const h of list) {
    if (shown.length === max) break;
    if (h.pid !== pid || h.fd !== fd) shown.push(h);
  }
  return { shown, total: list.length - (holds(list, pid, fd) ? 1 : 0) };
}
