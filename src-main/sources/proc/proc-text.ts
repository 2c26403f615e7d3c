/**
 * The /proc text formats more than one reader of /proc needs (the capture,
 * the app's process list): stat's comm and ppid, status's lines, cmdline's
 * arguments, the fd limit line of limits, the paths of cgroup.
 */
import { bstrFromBytes, type FdLimit } from '../../../src-shared/model/index.js';

/** comm as its exact bytes (it may hold spaces and ")"), state, ppid and the task's flags (PF_*). */
export function parseStat(stat: Uint8Array): { comm: Uint8Array; state: string; ppid: number; flags: number } {
  const open = stat.indexOf(40);
  const close = stat.lastIndexOf(41);
  const rest = Buffer.from(stat.buffer, stat.byteOffset + close + 2, stat.length - close - 2)
    .toString('latin1')
    .split(' ');
  return { comm: stat.subarray(open + 1, close), state: rest[0] ?? '?', ppid: Number(rest[1] ?? 0), flags: Number(rest[6] ?? 0) };
}

/** The blank-separated columns of status's `key` line (`Uid:\t1000\t1000 ...`); null when status is missing or has no such line. */
export function statusColumns(status: string | null, key: string): string[] | null {
  if (!status) return null;
  const at = status.indexOf(`\n${key}:`);
  if (at < 0) return null;
  const end = status.indexOf('\n', at + 1);
  return status
    .slice(at + key.length + 2, end < 0 ? undefined : end)
    .trim()
    .split(/\s+/);
}

/** cmdline's NUL-separated arguments, bytes kept. */
export function splitCmdline(b: Uint8Array | null): ReturnType<typeof bstrFromBytes>[] {
  if (!b || b.length === 0) return [];
  const out = [];
  let s = 0;
  const end = b[b.length - 1] === 0 ? b.length - 1 : b.length;
  for (let i = 0; i <= end; i++) {
    if (i === end || b[i] === 0) {
      out.push(bstrFromBytes(b.subarray(s, i)));
      s = i + 1;
    }
  }
  return out;
}

/**
 * RLIMIT_NOFILE from limits' "Max open files  SOFT  HARD  files" line
 * ("unlimited" is null); null when the line is not that.
 */
export function parseNofile(line: string | null): FdLimit | null {
  const m = line ? /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)(?:\s|$)/.exec(line) : null;
  if (!m) return null;
  const v = (t: string): number | null | undefined => {
    if (t === 'unlimited') return null;
    const n = Number(t);
    return Number.isSafeInteger(n) ? n : undefined;
  };
  const soft = v(m[1]!);
  const hard = v(m[2]!);
  return soft === undefined || hard === undefined ? null : { soft, hard };
}

/**
 * /proc/PID/cgroup's lines as (hierarchy id, path bytes): one per v1
 * hierarchy, and "0" for the unified (v2) one. A cgroup's name is whatever
 * bytes its creator chose: kept as bytes.
 */
export function cgroupPaths(b: Buffer): { id: string; path: Buffer }[] {
  const out: { id: string; path: Buffer }[] = [];
  for (let at = 0; at < b.length;) {
    let end = b.indexOf(10, at);
    if (end < 0) end = b.length;
    // hierarchy-ID:controllers:path; the path may itself hold ':'.
    const a = b.indexOf(58, at);
    const c = a < 0 || a >= end ? -1 : b.indexOf(58, a + 1);
    if (c >= 0 && c < end) out.push({ id: b.toString('latin1', at, a), path: b.subarray(c + 1, end) });
    at = end + 1;
  }
  return out;
}

/** One field of an id map: decimal digits (the kernel prints nothing else), at most ten of them (a u32, checked after). */
const MAP_FIELD = /^\d{1,10}$/;

/**
 * The id inside a user namespace of `outside` (an id as the reader sees it),
 * through that namespace's uid_map or gid_map text (lines of `inside outside
 * count`, the outside ids in the reader's namespace, as the kernel shows the
 * map to a reader of another namespace); `overflow` where no line covers it,
 * as the kernel shows an unmapped id (overflowuid, 65534), and so for an
 * empty map (a namespace no map was written for). null for a map that is not
 * one: a line of other than three decimal fields (Number() would take
 * "0x10", "1e5", "-1" or "+5"), a field past u32, a count of 0, or an inside
 * range past the end of u32 (the kernel writes none of them). The outside
 * range is not held to that: the kernel shows an outside start the reader's
 * namespace cannot name as 4294967295. 'not visible' where no line covers
 * the id and such a line is there: the capture runs in a user namespace
 * that does not see all of the map, and sees the id itself only as its
 * overflow id, so it cannot tell what the id is inside.
 */
export function insideId(map: string, outside: number, overflow: number): number | 'not visible' | null {
  let found: number | null = null;
  let hidden = false;
  for (const line of map.split('\n')) {
    const c = line.trim();
    if (!c) continue;
    const fields = c.split(/\s+/);
    if (fields.length !== 3 || !fields.every((f) => MAP_FIELD.test(f))) return null;
    const [inside, out, count] = fields.map(Number) as [number, number, number];
    if (inside > 0xffffffff || out > 0xffffffff || count === 0 || inside + count > 0xffffffff) return null;
    // Checked to the end, so that a bad line after the covering one still makes the map no map.
    if (found === null && outside >= out && outside - out < count) found = inside + (outside - out);
    if (out === 0xffffffff) hidden = true;
  }
  return found ?? (hidden ? 'not visible' : overflow);
}
