/**
 * Selecting processes by what contains them rather than by pid: a cgroup
 * (a container, a systemd unit) or a namespace (everything that shares a
 * container's pid or network namespace with one of its processes). What
 * "inside a container" means to the kernel, with no container runtime
 * asked.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import type { RawError } from './raw-read.js';
import { normalizeCgroup, type NsType } from '../../../src-shared/model/namespaces.js';
import { cgroupPaths, statusColumns } from './proc-text.js';
import { commMatches, type CommPattern } from '../../../src-shared/model/proc-select.js';

export { NS_TYPES, normalizeCgroup, type NsType } from '../../../src-shared/model/namespaces.js';
// What a comm pattern takes is decided once, where the app's count can use it too.
export { commPattern, type CommPattern } from '../../../src-shared/model/proc-select.js';

export class SelectError extends Error {
  override readonly name = 'CaptureError';
}

/** A selection that took no process: the first capture of a series fails with it, later ones wait for the next round. */
export class EmptySelectionError extends SelectError {}

/** The cgroup paths of a process (every hierarchy's); null when unreadable (it exited). */
function cgroupsOf(procRoot: string, pid: number): Buffer[] | null {
  try {
    return cgroupPaths(readFileSync(`${procRoot}/${pid}/cgroup`)).map((l) => l.path);
  } catch {
    return null;
  }
}

/** Processes in cgroup `path` (its UTF-8 bytes, as a command line or the app gives it) or below it, in any hierarchy. */
export function inCgroup(procRoot: string, pids: number[], path: string): number[] {
  const want = Buffer.from(normalizeCgroup(path), 'utf8');
  const under = want.length === 1 ? want : Buffer.concat([want, Buffer.from('/')]);
  return pids.filter((pid) =>
    (cgroupsOf(procRoot, pid) ?? []).some((p) => p.equals(want) || (p.length >= under.length && p.subarray(0, under.length).equals(under))),
  );
}

/**
 * Why /proc refuses a process's fds or links, for a person: to a user,
 * another user's process needs root (or CAP_SYS_PTRACE); to root, a
 * process in another user namespace, or one a security module guards.
 */
export function refusedWhy(): string {
  if (process.geteuid?.() !== 0) return "another user's process: reading it needs root or CAP_SYS_PTRACE";
  return hasPtraceCap()
    ? 'refused even to root: the process is in another user namespace or guarded by a security module'
    : "root without CAP_SYS_PTRACE (a container's default drops it): another user's process needs it";
}

/** Whether this process holds CAP_SYS_PTRACE (bit 19 of CapEff); true where that cannot be read, as root usually does. */
function hasPtraceCap(): boolean {
  const eff = /\nCapEff:\s*([0-9a-f]+)/.exec(readFileSyncOr('/proc/self/status'))?.[1];
  return eff === undefined || (BigInt(`0x${eff}`) & (1n << 19n)) !== 0n;
}

/** The file's text, or '' where it cannot be read (a process that exited). */
function readFileSyncOr(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return '';
  }
}

/** The namespace link of process `of` (`net:[4026532008]`), or a SelectError saying why not. */
export function namespaceLink(procRoot: string, type: NsType, of: number): string {
  try {
    return readlinkSync(`${procRoot}/${of}/ns/${type}`);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new SelectError(
      code === 'ENOENT'
        ? `--ns ${type}:${of}: no such process (or this kernel has no ${type} namespaces)`
        : `--ns ${type}:${of}: cannot read its ${type} namespace (${code}${code === 'EACCES' || code === 'EPERM' ? `: ${refusedWhy()}` : ''})`,
    );
  }
}

/**
 * Processes in the `type` namespace of process `of` (it included), or in
 * the namespace `link` names when given (a series keeps the namespace it
 * began with: `of` may exit and its pid go to another process). Reading
 * another user's namespace links needs ptrace access: those that cannot be
 * read are left out, and one error record says how many and why.
 */
export function inNamespaceOf(
  procRoot: string,
  pids: number[],
  type: NsType,
  of: number,
  errors: RawError[],
  link?: string,
): { pids: number[]; ns: string } {
  const ns = link ?? namespaceLink(procRoot, type, of);
  const out: number[] = [];
  const refused = new Map<string, number[]>();
  for (const pid of pids) {
    try {
      if (readlinkSync(`${procRoot}/${pid}/ns/${type}`) === ns) out.push(pid);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      if (code !== 'ENOENT') (refused.get(code) ?? refused.set(code, []).get(code)!).push(pid); // ENOENT: it exited
    }
  }
  // One record per errno, on the first pid, naming the first few: a pid of
  // -1 would read as a process, and hundreds of records as noise.
  for (const [code, left] of refused)
    errors.push({
      errno: code,
      pid: left[0]!,
      fd: -1,
      where: `${procRoot}/*/ns/${type}`,
      message: `${left.length} process(es) whose ${type} namespace could not be read were left out of the selection (${left.slice(0, 10).join(', ')}${left.length > 10 ? ', …' : ''})`,
    });
  return { pids: out, ns };
}

/** The first number of status's `key` line (Tgid's, Uid's real uid) of process `pid`; -1 when unreadable (it exited). */
export function statusNumber(procRoot: string, pid: number, key: string): number {
  const n = parseInt(statusColumns(readFileSyncOr(`${procRoot}/${pid}/status`), key)?.[0] ?? '', 10);
  return Number.isNaN(n) ? -1 : n;
}

/** Processes whose real uid is one of `uids` (as lsof -u; the kernel's uid, whoever the name was). */
export function byRealUid(procRoot: string, pids: number[], uids: number[]): number[] {
  const want = new Set(uids);
  return pids.filter((pid) => want.has(statusNumber(procRoot, pid, 'Uid')));
}

/** Processes whose comm (/proc/PID/comm, its bytes without the newline) one of `patterns` matches. */
export function byComm(procRoot: string, pids: number[], patterns: CommPattern[]): number[] {
  return pids.filter((pid) => {
    let comm: Buffer;
    try {
      comm = readFileSync(`${procRoot}/${pid}/comm`);
    } catch {
      return false; // it exited
    }
    if (comm.length && comm[comm.length - 1] === 10) comm = comm.subarray(0, comm.length - 1);
    return commMatches(comm, patterns);
  });
}

/**
 * None of the pids a capture was given exists (any more): a single capture
 * fails with it, and a series ends, since those processes cannot return
 * (a new process with the same pid is another process).
 */
export class NoSuchProcessError extends SelectError {
  constructor(readonly pids: number[]) {
    super(`no such process: ${pids.join(', ')}`);
  }
}
