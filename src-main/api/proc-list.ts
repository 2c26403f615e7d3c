/**
 * The live process list of the capture view: pid, comm, user and fd count
 * straight from /proc, and what contains each process (its pid and network
 * namespaces, its cgroup), so the view can offer "every process of this
 * one's container" and say how many that is. A process that vanishes while
 * it is read, or whose fd directory is not ours to read, is still listed
 * (fd count unknown) or skipped; it never fails the list.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { displayBStr, bstrFromBytes, bstrToJson, type BStrJson } from '../../src-shared/model/index.js';
import type { ProcessInfo } from '../../src-shared/api/results.js';
import { parseStat, splitCmdline, cgroupPaths } from '../sources/proc/proc-text.js';
import { listPids } from '../sources/proc/procfd-reader.js';
import { systemUserNames } from '../util/passwd.js';

/** The inode of a namespace link ("net:[4026531833]"), or null where it cannot be read (another user's process, without root). */
function nsInode(pid: number, type: 'pid' | 'net'): number | null {
  try {
    const m = /\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/${type}`));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * One cgroup path per process, the one a container or unit is named by: the
 * unified hierarchy's ("0::PATH") where there is one, else the first v1
 * hierarchy's. The capture's selection matches any hierarchy; one path is
 * what the view needs to prefill and count, and keeps the list small.
 */
function cgroupOf(pid: number): BStrJson | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(`/proc/${pid}/cgroup`);
  } catch {
    return null;
  }
  const lines = cgroupPaths(bytes);
  // The unified (v2) hierarchy's path where there is one, else the first v1 one.
  const first = (lines.find((l) => l.id === '0') ?? lines[0])?.path ?? null;
  return first ? bstrToJson(bstrFromBytes(first)) : null;
}

function readOne(pid: number, users: Map<number, string>): ProcessInfo | null {
  let stat: Uint8Array;
  let status: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`);
    status = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return null; // gone between readdir and read
  }
  const st = parseStat(stat);
  const uidLine = /^Uid:\s+(\d+)/m.exec(status);
  const uid = uidLine ? Number(uidLine[1]) : -1;
  let fdCount: number | null = null;
  try {
    fdCount = readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    fdCount = null;
  }
  let cmd: Uint8Array | null = null;
  try {
    cmd = readFileSync(`/proc/${pid}/cmdline`);
  } catch {
    cmd = null;
  }
  const cmdline = splitCmdline(cmd)
    .map((a) => displayBStr(a))
    .join(' ');
  return {
    pid,
    ppid: st.ppid,
    comm: bstrToJson(bstrFromBytes(st.comm)),
    user: users.get(uid) ?? String(uid),
    uid,
    fdCount,
    cmdline: cmdline.slice(0, 500),
    pidNs: nsInode(pid, 'pid'),
    netNs: nsInode(pid, 'net'),
    cgroup: cgroupOf(pid),
  };
}

export function listProcesses(): ProcessInfo[] {
  const users = systemUserNames();
  const out: ProcessInfo[] = [];
  let pids: number[];
  try {
    pids = listPids('/proc');
  } catch {
    return out;
  }
  for (const pid of pids) {
    const p = readOne(pid, users);
    if (p) out.push(p);
  }
  return out;
}
