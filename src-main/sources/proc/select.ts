/**
 * Selecting processes by what contains them rather than by pid: a cgroup
 * (a container, a systemd unit) or a namespace (everything that shares a
 * container's pid or network namespace with one of its processes). What
 * "inside a container" means to the kernel, with no container runtime
 * asked.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import type { RawError } from './raw-read.js';
import type { NsType } from '../../../src-shared/model/namespaces.js';

export { NS_TYPES, type NsType } from '../../../src-shared/model/namespaces.js';

export class SelectError extends Error {
  override readonly name = 'CaptureError';
}

/** "/a/b/" and "a/b" as "/a/b"; "/" stays. */
export function normalizeCgroup(path: string): string {
  const p = `/${path.split('/').filter(Boolean).join('/')}`;
  return p;
}

/** The cgroup paths of a process, one per hierarchy (v1) or the one of v2; null when unreadable (it exited). */
function cgroupsOf(procRoot: string, pid: number): string[] | null {
  let text: string;
  try {
    text = readFileSync(`${procRoot}/${pid}/cgroup`, 'latin1');
  } catch {
    return null;
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    // hierarchy-ID:controllers:path; the path may itself hold ':'.
    const a = line.indexOf(':');
    const b = a < 0 ? -1 : line.indexOf(':', a + 1);
    if (b >= 0) out.push(line.slice(b + 1));
  }
  return out;
}

/** Processes in cgroup `path` or below it, in any hierarchy. */
export function inCgroup(procRoot: string, pids: number[], path: string): number[] {
  const want = normalizeCgroup(path);
  const under = want === '/' ? '/' : `${want}/`;
  return pids.filter((pid) => (cgroupsOf(procRoot, pid) ?? []).some((p) => p === want || p.startsWith(under)));
}

/**
 * Processes in the `type` namespace of process `of` (it included). Reading
 * another user's namespace links needs ptrace access: those that cannot be
 * read are left out, and one error record says how many and why.
 */
export function inNamespaceOf(procRoot: string, pids: number[], type: NsType, of: number, errors: RawError[]): { pids: number[]; ns: string } {
  let ns: string;
  try {
    ns = readlinkSync(`${procRoot}/${of}/ns/${type}`);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new SelectError(
      code === 'ENOENT'
        ? `--ns ${type}:${of}: no such process (or this kernel has no ${type} namespaces)`
        : `--ns ${type}:${of}: cannot read its ${type} namespace (${code}${code === 'EACCES' || code === 'EPERM' ? ': another user\'s process needs root' : ''})`,
    );
  }
  const out: number[] = [];
  const refused = new Map<string, number>();
  for (const pid of pids) {
    try {
      if (readlinkSync(`${procRoot}/${pid}/ns/${type}`) === ns) out.push(pid);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      if (code !== 'ENOENT') refused.set(code, (refused.get(code) ?? 0) + 1); // ENOENT: it exited
    }
  }
  for (const [code, n] of refused)
    errors.push({
      errno: code,
      pid: -1,
      fd: -1,
      where: `${procRoot}/*/ns/${type}`,
      message: `${n} process(es) whose ${type} namespace could not be read were left out of the selection`,
    });
  return { pids: out, ns };
}
