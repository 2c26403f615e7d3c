/**
 * The live process list of the capture view: pid, comm, user and fd count
 * straight from /proc. A process that vanishes while it is read, or whose fd
 * directory is not ours to read, is still listed (fd count unknown) or
 * skipped; it never fails the list.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { displayBStr, bstrFromBytes } from '../../src-shared/model/index.js';
import type { ProcessInfo } from '../../src-shared/api/results.js';
import { parseStat, splitCmdline } from '../sources/proc/proc-text.js';
import { listPids } from '../sources/proc/procfd-reader.js';

function userNames(): Map<number, string> {
  const m = new Map<number, string>();
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const p = line.split(':');
      if (p.length > 3 && /^\d+$/.test(p[2]!)) m.set(Number(p[2]), p[0]!);
    }
  } catch {
    /* no passwd: users show as numbers */
  }
  return m;
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
    comm: displayBStr(bstrFromBytes(st.comm)),
    user: users.get(uid) ?? String(uid),
    uid,
    fdCount,
    cmdline: cmdline.slice(0, 500),
  };
}

export function listProcesses(): ProcessInfo[] {
  const users = userNames();
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
