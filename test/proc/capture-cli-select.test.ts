/**
 * `ckpt capture` through the real CLI: --pid of processes that are gone
 * (an error, or a note beside the image, or the end of a series), and
 * --user / --comm selection (usage errors, the header's selector, a series
 * that selects anew each round), as root and as nobody.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImageFile } from '../../src-main/engine/reader.js';
import { CKPT, ckpt as run } from '../cli/run.js';
import { ROOT, startNamed, type Running } from './fixture.js';

const TAG = `c${process.pid % 100000}`;
const gone = 0x3ffffff0; // above any pid_max a kernel allows by default
let work: string;
let home: string;
let mine: Running;

const ckpt = (args: string[], h = home) => run(args, { env: { CKPT_HOME: h } });
// A home nothing was ever stored in holds no library: list says so (exit 1) and creates none.
const stored = (h: string) => {
  const r = ckpt(['list', '--json'], h);
  return (r.code === 1 && r.err.includes('no library in') ? [] : JSON.parse(r.out)) as { id: string; label: string }[];
};

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ckpt-cli-select-'));
  chmodSync(work, 0o777);
  home = join(work, 'home');
  mine = await startNamed(`${TAG}root`);
});

afterAll(async () => {
  await mine?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** Starts `ckpt capture ... --store --every` and resolves with its exit code, stdout and stderr; `onLine` runs at each stored line. */
function series(args: string[], h: string, onLine: (n: number) => void | Promise<void>) {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const p = spawn(process.execPath, [CKPT, 'capture', ...args], {
      env: { ...process.env, CKPT_HOME: h },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let lines = 0;
    p.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const n = out.split('\n').filter(Boolean).length;
      while (lines < n) void onLine(++lines);
    });
    p.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    p.once('exit', (code) => resolve({ code, out, err }));
    setTimeout(() => p.kill('SIGKILL'), 60_000).unref();
  });
}

describe('--pid of processes that do not exist', () => {
  it('none of them: exit 1 naming them; no image written, nothing stored', () => {
    const img = join(work, 'none.ckpt');
    const r = ckpt(['capture', '--pid', `${gone},${gone + 1}`, '-o', img, '--store']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`no such process: ${gone}, ${gone + 1}`);
    expect(existsSync(img)).toBe(false);
    expect(stored(home)).toEqual([]);
    const t = ckpt(['capture', '--pid', String(gone), '--tree', '-o', img]);
    expect(t.code).toBe(1);
    expect(existsSync(img)).toBe(false);
  });

  it('some of them: the image of the others, and stderr names the missing', () => {
    const img = join(work, 'some.ckpt');
    const r = ckpt(['capture', '--pid', `${mine.pid},${gone}`, '-o', img]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`note: no such process: ${gone}`);
    const s = readImageFile(img);
    expect(s.tasks.map((t) => t.pid)).toEqual([mine.pid]);
    expect(s.errors).toContainEqual(expect.objectContaining({ errno: 'ESRCH', pid: gone }));
  });

  it('a series ends when its process exits, exit 0, saying after how many captures', async () => {
    for (const tree of [false, true]) {
      const h = join(work, `series-${tree}`);
      const p = await startNamed(`${TAG}ser`);
      const r = await series(
        ['--pid', String(p.pid), ...(tree ? ['--tree'] : []), '--store', '--every', '150ms', '--label', 'ser'],
        h,
        async (n) => {
          if (n === 2) await p.stop();
        },
      );
      expect(r.code, r.err).toBe(0);
      const n = r.out.trim().split('\n').length;
      expect(n).toBeGreaterThanOrEqual(2);
      expect(r.err).toContain(`process ${p.pid} exited; the series ends after ${n} captures`);
      expect(stored(h)).toHaveLength(n);
    }
  });

  it('a series ends when its process is a zombie, its last capture stored, naming the parent that has not reaped it', async () => {
    const h = join(work, 'series-zombie');
    // sh starts the child, then becomes a sleep that never waits for it.
    const parent = spawn('/bin/sh', ['-c', 'sleep 0.6 & exec sleep 60'], { stdio: 'ignore' });
    try {
      let child = 0;
      for (let i = 0; i < 200 && !child; i++) {
        await new Promise((r) => setTimeout(r, 10));
        try {
          child = Number(readFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8').trim().split(' ')[0]) || 0;
        } catch {
          /* not yet */
        }
      }
      expect(child).toBeGreaterThan(0);
      const r = await series(['--pid', String(child), '--store', '--every', '150ms', '--label', 'zom'], h, () => undefined);
      expect(r.code, r.err).toBe(0);
      const n = r.out.trim().split('\n').length;
      expect(n).toBeGreaterThanOrEqual(2);
      expect(r.err).toContain(
        `process ${child} exited and is a zombie (its parent, process ${parent.pid}, has not reaped it); the series ends after ${n} captures`,
      );
      const images = stored(h);
      expect(images).toHaveLength(n);
      // The last image shows it a zombie; the first, taken while it ran, does not.
      const show = (id: string) => JSON.parse(ckpt(['show', id, '--json'], h).out) as { tasks: { pid: number; zombie?: boolean }[] };
      const byTime = images.map((i) => i.id);
      const zombieIn = byTime.map((id) => show(id).tasks.find((t) => t.pid === child)?.zombie === true);
      expect(zombieIn.filter(Boolean)).toHaveLength(1);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('a series whose process is gone at the start fails at once, storing nothing', () => {
    const h = join(work, 'series-gone');
    const r = ckpt(['capture', '--pid', String(gone), '--store', '--every', '100ms'], h);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`no such process: ${gone}`);
    expect(stored(h)).toEqual([]);
  });
});

describe('--user and --comm', () => {
  it('refuse what cannot select anything, as usage errors naming it', () => {
    const img = join(work, 'x.ckpt');
    const bad: [string[], RegExp][] = [
      [['--user', 'no-such-user-ckpt'], /--user: no such user "no-such-user-ckpt"/],
      [['--user', 'root,no-such-user-ckpt'], /no such user "no-such-user-ckpt"/],
      [['--comm', 'a-name-of-16-byt'], /--comm: "a-name-of-16-byt" is longer than a comm can be \(15 bytes\)/],
      [['--comm', 'x', '--pid', '1'], /not with --pid or --all/],
      [['--user', '0', '--all'], /not with --pid or --all/],
      [['--comm', 'x', '--sim', 'leaky'], /--sim cannot be combined/],
    ];
    for (const [args, why] of bad) {
      const r = ckpt(['capture', ...args, '-o', img]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(why);
    }
    expect(existsSync(img)).toBe(false);
  });

  it('select by name and uid, as an intersection, recorded in the header', () => {
    const img = join(work, 'sel.ckpt');
    const r = ckpt(['capture', '--user', 'root', '--comm', `${TAG}*`, '--cgroup', '/', '-o', img]);
    expect(r.code, r.err).toBe(0);
    const s = readImageFile(img);
    expect(s.tasks.map((t) => t.pid)).toEqual([mine.pid]);
    expect(s.header.options).toMatchObject({ user: '0', comm: `${TAG}*`, cgroup: '/' });
    const none = ckpt(['capture', '--user', '65534', '--comm', `${TAG}root`, '-o', join(work, 'none2.ckpt')]);
    expect(none.code).toBe(1);
    expect(none.err).toContain(`no process to capture: none has real uid 65534 and has comm ${TAG}root`);
    expect(existsSync(join(work, 'none2.ckpt'))).toBe(false);
  });

  it('a backslash names a comm with a comma, a star or a blank; the list is split at the other commas', async () => {
    const star = await startNamed(`${TAG},a*`);
    const plain = await startNamed(`${TAG},a`);
    try {
      const img = join(work, 'escaped.ckpt');
      const pidsOf = (comm: string) => {
        const r = ckpt(['capture', '--comm', comm, '-o', img]);
        expect(r.code, `${comm}: ${r.err}`).toBe(0);
        const s = readImageFile(img);
        expect(s.header.options.comm).toBe(
          comm
            .split(/(?<!\\),/)
            .map((c) => c.trim())
            .filter(Boolean)
            .join(','),
        );
        return s.tasks.map((t) => t.pid).sort((x, y) => x - y);
      };
      // The star taken as it is: exactly the comm that ends in one.
      expect(pidsOf(`${TAG}\\,a\\*`)).toEqual([star.pid]);
      // The star unescaped: a prefix, which takes both.
      expect(pidsOf(`${TAG}\\,a*`)).toEqual([star.pid, plain.pid].sort((x, y) => x - y));
      // Two names, blanks around them trimmed; the escaped comma stays in the first.
      expect(pidsOf(` ${TAG}\\,a , ${TAG}root`)).toEqual([mine.pid, plain.pid].sort((x, y) => x - y));
      // Unescaped, the comma splits: "${TAG}" and "a" are no process's names.
      const split = ckpt(['capture', '--comm', `${TAG},a`, '-o', join(work, 'split.ckpt')]);
      expect(split.code).toBe(1);
      expect(split.err).toContain(`no process to capture: none has comm ${TAG} or a`);
      const lone = ckpt(['capture', '--comm', `${TAG}\\`, '-o', join(work, 'lone.ckpt')]);
      expect(lone.code).toBe(2);
      // Shown escaped, as names are: the backslash doubled.
      expect(lone.err).toContain(`--comm: "${TAG}\\\\" ends in a lone backslash`);
    } finally {
      await star.stop();
      await plain.stop();
    }
  });

  it('a --comm series selects anew each round: an empty round is reported and the series goes on', async () => {
    const h = join(work, 'comm-series');
    const p = await startNamed(`${TAG}cs`);
    const r = await series(['--comm', `${TAG}cs`, '--store', '--every', '150ms', '--count', '4', '--label', 'cs'], h, async (n) => {
      if (n === 1) await p.stop();
    });
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim().split('\n').length).toBeGreaterThanOrEqual(1);
    expect(r.err).toMatch(new RegExp(`^[234]: no process to capture: none has comm ${TAG}cs; trying again at the next interval$`, 'm'));
  });

  it('as nobody: --user nobody captures its own processes whole', async () => {
    const theirs = await startNamed(`${TAG}nob`, undefined, { uid: 65534, gid: 65534 });
    try {
      const img = join(work, 'nobody.ckpt');
      // The bundle, built by root (bin/ckpt.mjs rebuilds it when stale): nobody may not write it.
      expect(spawnSync(process.execPath, [CKPT, '--version']).status).toBe(0);
      const r = spawnSync(
        process.execPath,
        [join(ROOT, 'out', 'cli', 'ckpt.mjs'), 'capture', '--user', 'nobody', '--comm', `${TAG}*`, '-o', img],
        {
          uid: 65534,
          gid: 65534,
          timeout: 60_000,
        },
      );
      expect(r.status, r.stderr.toString()).toBe(0);
      const s = readImageFile(img);
      expect(s.tasks.map((t) => t.pid)).toEqual([theirs.pid]);
      expect(s.tasks[0]!.fdTable).not.toBe(0);
      expect(s.errors).toEqual([]);

      // By namespace, as nobody: the namespaces of other users' processes
      // cannot be read; one record says how many were left out and names them.
      const asNobody = (args: string[]) =>
        spawnSync(process.execPath, [join(ROOT, 'out', 'cli', 'ckpt.mjs'), 'capture', ...args], {
          uid: 65534,
          gid: 65534,
          timeout: 60_000,
          encoding: 'utf8',
        });
      const nsImg = join(work, 'nobody-ns.ckpt');
      const ns = asNobody(['--ns', `net:${theirs.pid}`, '-o', nsImg]);
      expect(ns.status, ns.stderr).toBe(0);
      const left = readImageFile(nsImg).errors.filter((e) => e.where === '/proc/*/ns/net');
      expect(left).toHaveLength(1);
      expect(left[0]!.errno).toBe('EACCES');
      expect(left[0]!.message).toMatch(
        /^\d+ process\(es\) whose net namespace could not be read were left out of the selection \(\d+(, \d+)*(, …)?\)$/,
      );
      expect(left[0]!.message).toContain(`(${left[0]!.pid}`);
      // Another user's namespace: why, worded for a user who is not root.
      const other = asNobody(['--ns', `net:${mine.pid}`, '-o', join(work, 'nobody-ns2.ckpt')]);
      expect(other.status).toBe(1);
      expect(other.stderr).toContain(
        `--ns net:${mine.pid}: cannot read its net namespace (EACCES: another user's process: reading it needs root or CAP_SYS_PTRACE)`,
      );
      // Root without CAP_SYS_PTRACE (as in a container by default): said so, not blamed on namespaces.
      const noPtrace = spawnSync(
        'setpriv',
        [
          '--bounding-set=-sys_ptrace',
          '--inh-caps=-sys_ptrace',
          process.execPath,
          join(ROOT, 'out', 'cli', 'ckpt.mjs'),
          'capture',
          '--pid',
          String(theirs.pid),
          '-o',
          join(work, 'noptrace.ckpt'),
        ],
        { encoding: 'utf8', timeout: 60_000 },
      );
      if (noPtrace.error === undefined) {
        expect(noPtrace.status, noPtrace.stderr).toBe(0);
        expect(noPtrace.stderr).toContain(
          `note: the fds of process ${theirs.pid} could not be read (EACCES: root without CAP_SYS_PTRACE (a container's default drops it): another user's process needs it)`,
        );
      }
    } finally {
      await theirs.stop();
    }
  });
});
