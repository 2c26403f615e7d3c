/** What the capture tests hold two reads of one process to: what must agree. */
import { emptyRawFd, rawFdAt, type RawFd, type RawProc } from '../../src-main/sources/proc/raw-read.js';

/** A read's fds in fd order, each every field; a timerfd's remaining time, which moves between two reads, left out. */
function comparableFds(r: RawProc): RawFd[] {
  const fds: RawFd[] = [];
  if (r.fds) {
    const cur = emptyRawFd();
    for (let i = 0; i < r.fds.n; i++) {
      const f = { ...rawFdAt(r.fds, i, cur) };
      if (f.link === 'anon_inode:[timerfd]') f.extra = f.extra.replace(/it_value: \([^)]*\)/, 'it_value: (..)');
      fds.push(f);
    }
    fds.sort((a, b) => a.fd - b.fd);
  }
  return fds;
}

/** What must agree between two reads of a process: its files, its fds (comparableFds) and its error records; volatile text (timers, counters in stat) left out. */
export function comparable(r: RawProc) {
  const fds = comparableFds(r);
  const stat = r.stat ? Buffer.from(r.stat).toString('latin1') : null;
  return {
    pid: r.pid,
    comm: stat?.slice(0, stat.lastIndexOf(')') + 1),
    status: r.status?.split('\n').filter((l) => /^(Name|Tgid|Pid|PPid|Uid|Gid):/.test(l)),
    cmdline: r.cmdline && Buffer.from(r.cmdline).toString('latin1'),
    nofile: r.nofile,
    cwd: r.cwd && Buffer.from(r.cwd).toString('latin1'),
    root: r.root && Buffer.from(r.root).toString('latin1'),
    ns: r.ns,
    threads: r.threads.map((t) => t.tid).sort((a, b) => a - b),
    fdsRead: r.fds !== null,
    fds,
    errors: r.errors,
  };
}
