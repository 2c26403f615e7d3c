/**
 * --freeze: SIGSTOP the selected processes for a consistent cut and SIGCONT
 * them afterwards, always. Resuming is tied to every way out: the normal
 * path, an exception, SIGINT/SIGTERM/SIGHUP of the capture (handlers resume,
 * then let the signal take its default course), process exit, and even
 * SIGKILL of the capture: a detached watchdog shell learns each pid before
 * it is stopped, through a pipe, and resumes them all when the pipe closes,
 * which the kernel does when we die however we die. A process that was
 * already stopped is left as it was.
 *
 * Why not the cgroup freezer: freezing a cgroup freezes every process in it,
 * not the selection, and needs write access to cgroupfs.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { RawError } from './raw-read.js';

const STOP_WAIT_MS = 2000;

const PF_KTHREAD = 0x00200000;

/** State letter of a process, 'K' for a kernel thread (signals do not stop those), null when gone. */
function state(procRoot: string, pid: number): string | null {
  try {
    const s = readFileSync(`${procRoot}/${pid}/stat`, 'latin1');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    if ((Number(f[6]) & PF_KTHREAD) !== 0) return 'K';
    return f[0] ?? null;
  } catch {
    return null;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export class Freezer {
  private stopped: number[] = [];
  private watchdog: ChildProcess | undefined;
  private readonly onSignal = (sig: NodeJS.Signals) => {
    this.stopWatchdog();
    this.resume();
    this.detach();
    // With no other listener the signal takes its default course (the CLI
    // dies of it, as it would have); a host that listens (the app) already
    // got it from Node alongside us, and must not get it twice.
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  };
  private readonly onExit = () => this.resume();
  private attached = false;

  constructor(private readonly procRoot: string) {}

  /** Stops the processes; returns how many could not be stopped. */
  freeze(pids: number[], errors: RawError[]): number {
    this.attach();
    this.startWatchdog();
    const mine: number[] = [];
    let failed = 0;
    for (const pid of pids) {
      if (pid === process.pid) continue;
      if (pid === 1) {
        // The kernel drops SIGSTOP sent to a namespace's init: say so at once
        // instead of waiting for a stop that never comes.
        errors.push({ errno: 'EPERM', pid, fd: -1, where: 'kill(1, SIGSTOP)', message: 'init cannot be stopped; captured live' });
        failed++;
        continue;
      }
      const st = state(this.procRoot, pid);
      if (st === null || st === 'T' || st === 't' || st === 'Z' || st === 'X' || st === 'K') continue;
      this.tellWatchdog(pid);
      try {
        process.kill(pid, 'SIGSTOP');
        mine.push(pid);
        this.stopped.push(pid);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? 'EPERM';
        errors.push({ errno: code, pid, fd: -1, where: `kill(${pid}, SIGSTOP)`, message: 'cannot freeze; captured live' });
        failed++;
      }
    }
    const deadline = Date.now() + STOP_WAIT_MS;
    for (const pid of mine) {
      for (;;) {
        const st = state(this.procRoot, pid);
        if (st === null || st === 'T' || st === 't' || st === 'Z') break;
        if (Date.now() > deadline) {
          errors.push({
            errno: 'ETIMEDOUT',
            pid,
            fd: -1,
            where: `${this.procRoot}/${pid}/stat`,
            message: 'did not stop in time; captured as it was',
          });
          failed++;
          break;
        }
        sleepSync(1);
      }
    }
    return failed;
  }

  resume(): void {
    const pids = this.stopped;
    this.stopped = [];
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        /* gone meanwhile: nothing to resume */
      }
    }
  }

  /**
   * Resumes at once, then removes every hook once the event loop has had
   * its turn; safe to call twice. A SIGINT that came while the capture read
   * (synchronous work, most of a capture) is still queued in the event
   * loop: removing the handlers first would drop it, and the capture would
   * go on to write its image and exit 0 as if no one had pressed Ctrl-C.
   * Left attached for that turn, the handler runs and the signal takes its
   * course (libuv reads signals in its poll phase; two immediates straddle
   * one).
   */
  async release(): Promise<void> {
    // The watchdog goes first: it must not resume anything after we have
    // (someone may stop a process again in between).
    this.stopWatchdog();
    this.resume();
    if (this.attached) for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
    this.detach();
  }

  private attach(): void {
    if (this.attached) return;
    this.attached = true;
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, this.onSignal);
    process.on('exit', this.onExit);
  }

  private detach(): void {
    if (!this.attached) return;
    this.attached = false;
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, this.onSignal);
    process.off('exit', this.onExit);
    this.stopWatchdog();
  }

  private stopWatchdog(): void {
    const w = this.watchdog;
    this.watchdog = undefined;
    if (!w?.pid) return;
    try {
      process.kill(w.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    w.stdin?.destroy();
  }

  private tellWatchdog(pid: number): void {
    // A write to a pipe with room goes out at once, before the SIGSTOP below.
    this.watchdog?.stdin?.write(`${pid}\n`);
  }

  private startWatchdog(): void {
    if (this.watchdog) return;
    const script = 'p=; while read -r x; do p="$p $x"; done; [ -n "$p" ] && kill -CONT $p 2>/dev/null; exit 0';
    try {
      // Required here, not imported: child_process (and the net and dgram
      // modules it loads) would cost every capture without --freeze ~2 ms.
      const { spawn } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
      const w = spawn('/bin/sh', ['-c', script], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
      w.on('error', () => undefined);
      w.stdin.on('error', () => undefined);
      w.unref();
      (w.stdin as unknown as { unref?: () => void }).unref?.();
      this.watchdog = w;
    } catch {
      this.watchdog = undefined;
    }
  }
}
