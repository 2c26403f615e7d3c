/**
 * A stand-in container for the selection tests: a shell and two children in
 * a network namespace of their own (unshare --net), and, where the machine
 * lets a test make one, the first child moved into a cgroup v2 directory of
 * its own (named with `name`: give it non-ASCII to hold the byte path to it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const canUnshare = spawnSync('unshare', ['--net', 'true']).status === 0;

export interface Container {
  shell: ChildProcess;
  /** The shell and its children, ascending. */
  members: number[];
  kids: number[];
  /** The cgroup holding kids[0], as /proc/PID/cgroup names it; null where none could be made. */
  cg: { dir: string; path: string } | null;
  stop(): void;
}

/** Where a cgroup v2 directory may be made below our own, or null. */
function cgroup2Root(): { mount: string; base: string } | null {
  const mount = readFileSync('/proc/mounts', 'latin1')
    .split('\n')
    .map((l) => l.split(' '))
    .find((f) => f[2] === 'cgroup2')?.[1];
  const line = readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('0::'));
  if (!mount || !line) return null;
  return { mount, base: line.slice(3) === '/' ? '' : line.slice(3) };
}

export async function startContainer(name: string): Promise<Container> {
  const shell = spawn('unshare', ['--net', 'sh', '-c', 'sleep 60 & sleep 60 & echo ready; wait'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    shell.stdout!.once('data', () => resolve());
    shell.once('exit', (c) => reject(new Error(`namespace fixture exited ${c}`)));
  });
  const kids = readFileSync(`/proc/${shell.pid}/task/${shell.pid}/children`, 'latin1').trim().split(/\s+/).map(Number);
  const members = [shell.pid!, ...kids].sort((a, b) => a - b);
  let cg: Container['cg'] = null;
  const root = cgroup2Root();
  if (root) {
    const path = `${root.base}/${name}-${process.pid}`;
    const dir = join(root.mount, path);
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'cgroup.procs'), String(kids[0]));
      cg = { dir, path };
    } catch {
      cg = null;
    }
  }
  return {
    shell,
    members,
    kids,
    cg,
    stop() {
      shell.kill('SIGKILL');
      for (const p of members) spawnSync('kill', ['-9', String(p)]);
      // A cgroup can be removed once its last process has gone.
      if (cg)
        for (let i = 0; i < 50; i++)
          try {
            rmdirSync(cg.dir);
            break;
          } catch {
            spawnSync('sleep', ['0.05']);
          }
    },
  };
}
