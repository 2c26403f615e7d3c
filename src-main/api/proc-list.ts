/**
 * The live process list of the capture view: pid, comm, user and fd count
 * straight from /proc. A process that vanishes while it is read, or whose fd
 * directory is not ours to read, is still listed (fd count unknown) or
 * skipped; it never fails the list.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { displayBStr, bstrFromBytes } from '../../src-shared/model/index.js';
import type { ProcessInfo } from '../../src-shared/api/results.js';

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
  let stat: string;
  let status: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    status = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return null; // gone between readdir and read
  }
  // comm is in parentheses and may itself contain ") ", so split at the last one.
  const close = stat.lastIndexOf(')');
  const after = stat.slice(close + 2).split(' ');
  const ppid = Number(after[1] ?? 0);
  const commBytes = readBytes(`/proc/${pid}/comm`);
  const comm = commBytes ? displayBStr(bstrFromBytes(trimNewline(commBytes))) : stat.slice(stat.indexOf('(') + 1, close);
  const uidLine = /^Uid:\s+(\d+)/m.exec(status);
  const uid = uidLine ? Number(uidLine[1]) : -1;
  let fdCount: number | null = null;
  try {
    fdCount = readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    fdCount = null;
  }
  const cmd = readBytes(`/proc/${pid}/cmdline`);
  const cmdline = cmd
    ? Array.from(splitNul(cmd))
        .map((a) => displayBStr(bstrFromBytes(a)))
        .join(' ')
    : '';
  return { pid, ppid, comm, user: users.get(uid) ?? String(uid), uid, fdCount, cmdline: cmdline.slice(0, 500) };
}

function readBytes(path: string): Uint8Array | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

function trimNewline(b: Uint8Array): Uint8Array {
  return b.length && b[b.length - 1] === 0x0a ? b.subarray(0, b.length - 1) : b;
}

function* splitNul(b: Uint8Array): Generator<Uint8Array> {
  let start = 0;
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0) {
      yield b.subarray(start, i);
      start = i + 1;
    }
  }
  if (start < b.length) yield b.subarray(start);
}

export function listProcesses(): ProcessInfo[] {
  const users = userNames();
  const out: ProcessInfo[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    const p = readOne(Number(n), users);
    if (p) out.push(p);
  }
  return out.sort((a, b) => a.pid - b.pid);
}
