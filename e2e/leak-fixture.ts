/**
 * A live fd leak for the specs on big images: a python3 process that raises
 * its fd limit, dup()s a listening socket `dups` times and forks, so the
 * socket is held by 2 x (dups + 1) fds in two processes.
 */
import { spawn } from 'node:child_process';
import type { Browser, Page } from '@playwright/test';
import { hostWithLibrary } from './flows.js';
import type { RunningHost } from './host.js';

const SCRIPT = `
import os, resource, socket, sys, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM); s.bind(('127.0.0.1', 0)); s.listen()
fds = [os.dup(s.fileno()) for i in range(int(sys.argv[1]))]
if os.fork() == 0:
    print("child", os.getpid(), flush=True)
else:
    time.sleep(0.2)
    print("parent", os.getpid(), s.fileno(), fds[-1], flush=True)
time.sleep(120)
`;

export interface Leak {
  parent: number;
  child: number;
  /** The socket's first fd, and the last of its dups (the same numbers in both processes). */
  sockFd: number;
  lastFd: number;
  stop(): void;
}

export async function startLeak(dups: number): Promise<Leak> {
  const p = spawn('python3', ['-c', SCRIPT, String(dups)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pids: Record<string, number> = {};
  let sockFd = 0;
  let lastFd = 0;
  await new Promise<void>((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      fail(new Error(`the fixture did not start: ${out}`));
    }, 20_000);
    p.once('error', (e) => {
      clearTimeout(timer);
      fail(new Error(`the fixture (python3) could not start: ${e.message}`));
    });
    p.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      for (const m of out.matchAll(/^(child|parent) (\d+)(?: (\d+) (\d+))?$/gm)) {
        pids[m[1]!] = Number(m[2]);
        if (m[3]) [sockFd, lastFd] = [Number(m[3]), Number(m[4])];
      }
      if (pids.child && pids.parent) {
        clearTimeout(timer);
        ok();
      }
    });
  });
  return {
    parent: pids.parent!,
    child: pids.child!,
    sockFd,
    lastFd,
    stop() {
      for (const pid of [pids.child, pids.parent])
        if (pid)
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone already */
          }
    },
  };
}

/** The leak captured (with its child, label "dups") into a fresh library, and the app open on it at 1400 x 900; stop() ends all three. */
export async function appOnLeak(
  browser: Browser,
  dups: number,
): Promise<{ host: RunningHost; page: Page; leak: Leak; stop(): Promise<void> }> {
  const leak = await startLeak(dups);
  try {
    const { host, page } = await hostWithLibrary(
      browser,
      async (api) => void (await api({ source: 'proc', pids: [leak.parent], tree: true, freeze: false }, 'dups')),
      { viewport: { width: 1400, height: 900 } },
    );
    return {
      host,
      page,
      leak,
      async stop() {
        try {
          await page.close();
        } finally {
          try {
            await host.stop();
          } finally {
            leak.stop();
          }
        }
      },
    };
  } catch (e) {
    leak.stop();
    throw e;
  }
}
