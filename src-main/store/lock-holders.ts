/**
 * Who holds the library open, for a "database is locked" error: a person
 * waited out SQLite's busy timeout (30 s) and needs to know which process to
 * wait for or stop (another ckpt capture --every, an app left open), as
 * fuser would tell them. Read from /proc: only processes this user may see.
 */
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { displayBStr } from '../../src-shared/model/index.js';
import { busyTimeoutMs } from './db.js';

/** "pid 123 (ckpt capture --all)" for each other process holding `file` (or its -wal, -shm) open; at most `max`. */
export function holdersOf(file: string, max = 5): string[] {
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    return [];
  }
  const names = new Set([real, `${real}-wal`, `${real}-shm`]);
  const out: string[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid);
  } catch {
    return [];
  }
  for (const pid of pids) {
    if (out.length >= max) break;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // another user's, or gone
    }
    const holds = fds.some((fd) => {
      try {
        return names.has(readlinkSync(`/proc/${pid}/fd/${fd}`));
      } catch {
        return false;
      }
    });
    if (!holds) continue;
    let cmd = '';
    try {
      // Each argument escaped on its own, joined by spaces: an argument holding the text \x00 stays as it is.
      const raw = readFileSync(`/proc/${pid}/cmdline`);
      const args: string[] = [];
      for (let at = 0; at < raw.length;) {
        const end = raw.indexOf(0, at);
        args.push(displayBStr(raw.subarray(at, end < 0 ? raw.length : end)));
        at = end < 0 ? raw.length : end + 1;
      }
      cmd = args.join(' ');
    } catch {
      /* gone meanwhile */
    }
    out.push(`pid ${pid}${cmd ? ` (${cmd.length > 100 ? cmd.slice(0, 99) + '…' : cmd})` : ''}`);
  }
  return out;
}

/** `msg` with the holders of `file` added when it is SQLite's "database is locked". */
export function withLockHolders(msg: string, code: unknown, file: string): string {
  if (!/^SQLITE_BUSY/.test(String(code ?? ''))) return msg;
  const who = holdersOf(file);
  const waited = `still, after ${busyTimeoutMs() / 1000} s`;
  return who.length ? `${msg} (${waited}: held open by ${who.join(', ')})` : `${msg} (${waited}: by a process this user cannot see)`;
}
