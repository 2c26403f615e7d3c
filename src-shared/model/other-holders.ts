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

/** Per holder list, its fds by pid, built the first time a long list is asked about. */
const fdsOf = new WeakMap<readonly HolderRef[], Map<number, Set<number>>>();

function holds(list: readonly HolderRef[], pid: number, fd: number): boolean {
  if (list.length <= 16) return list.some((h) => h.pid === pid && h.fd === fd);
  let byPid = fdsOf.get(list);
  if (!byPid) {
    byPid = new Map();
    for (const h of list) (byPid.get(h.pid) ?? byPid.set(h.pid, new Set()).get(h.pid)!).add(h.fd);
    fdsOf.set(list, byPid);
  }
  return byPid.get(pid)?.has(fd) ?? false;
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
