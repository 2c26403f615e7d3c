/**
 * --freeze: SIGSTOP the selected processes for a consistent cut and SIGCONT
 * them afterwards, always. Resuming is tied to every way out: the normal
 * path, an exception, SIGINT/SIGTERM/SIGHUP of the capture (handlers resume,
 * then let the signal take its default course), process exit, and even
 * SIGKILL of the capture: a detached watchdog shell resumes them when our
 * pid disappears. A process that was already stopped is left as it was.
 *
 * Why not the cgroup freezer: freezing a cgroup freezes every process in it,
 * not the selection, and needs write access to cgroupfs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { RawError } from './raw-read.js';

const STOP_WAIT_MS = 2000;

function state(procRoot: string, pid: number): string | null {
  try {
    const s = readFileSync(`${procRoot}/${pid}/stat`, 'latin1');
    return s.charAt(s.lastIndexOf(')') + 2);
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
    this.resume();
    this.detach();
    process.kill(process.pid, sig);
  };
  private readonly onExit = () => this.resume();
  private attached = false;

  constructor(private readonly procRoot: string) {}

  /** Stops the processes; returns the pids actually stopped by us. */
  freeze(pids: number[], errors: RawError[]): number[] {
    this.attach();
    const mine: number[] = [];
    for (const pid of pids) {
      if (pid === process.pid) continue;
      const st = state(this.procRoot, pid);
      if (st === null || st === 'T' || st === 't' || st === 'Z' || st === 'X') continue;
      try {
        process.kill(pid, 'SIGSTOP');
        mine.push(pid);
        this.stopped.push(pid);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? 'EPERM';
        errors.push({ errno: code, pid, fd: -1, where: `kill(${pid}, SIGSTOP)`, message: 'cannot freeze; captured live' });
      }
    }
    this.startWatchdog();
    const deadline = Date.now() + STOP_WAIT_MS;
    for (const pid of mine) {
      for (;;) {
        const st = state(this.procRoot, pid);
        if (st === null || st === 'T' || st === 't' || st === 'Z') break;
        if (Date.now() > deadline) {
          errors.push({ errno: 'ETIMEDOUT', pid, fd: -1, where: `${this.procRoot}/${pid}/stat`, message: 'did not stop in time; captured as it was' });
          break;
        }
        sleepSync(1);
      }
    }
    return mine;
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

  /** Resumes and removes every hook; safe to call twice. */
  release(): void {
    this.resume();
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
    if (this.watchdog?.pid) {
      try {
        process.kill(this.watchdog.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    this.watchdog = undefined;
  }

  private startWatchdog(): void {
    if (this.watchdog || this.stopped.length === 0) return;
    const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 0.2; done; kill -CONT ${this.stopped.join(' ')} 2>/dev/null`;
    try {
      this.watchdog = spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore' });
      this.watchdog.on('error', () => undefined);
      this.watchdog.unref();
    } catch {
      this.watchdog = undefined;
    }
  }
}
