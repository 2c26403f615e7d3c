/**
 * `ckpt capture` on live processes through the real CLI: pids and trees,
 * usage errors, vanished pids, --freeze with resume on every way out, and a
 * capture by an unprivileged user.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImageFile } from '../../src-main/engine/reader.js';
import { procState, start, type Running } from './fixture.js';
import { CKPT, ckpt } from '../cli/run.js';

let work: string;
let fx: Running;
let child: number;
let sibling: number;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ckpt-capture-cli-'));
  chmodSync(work, 0o777);
  mkdirSync(join(work, 'fx'));
  fx = await start('kinds', [join(work, 'fx')]);
  const facts = JSON.parse(fx.line) as { child: number; sibling: number };
  child = facts.child;
  sibling = facts.sibling;
  // Build the bundle once as root, so runs as another user need not write it.
  expect(ckpt(['--version']).code).toBe(0);
});

afterAll(async () => {
  await fx?.stop();
  rmSync(work, { recursive: true, force: true });
});

function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const tick = () => {
      if (cond()) return resolve(true);
      if (Date.now() - t0 > ms) return resolve(false);
      setTimeout(tick, 10);
    };
    tick();
  });
}

describe('ckpt capture --pid / --all', () => {
  it('captures a process tree into an image that verifies and shows every kind', () => {
    const img = join(work, 'tree.img');
    const r = ckpt(['capture', '--pid', String(fx.pid), '--tree', '-o', img]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/captured 6 tasks/); // process, 3 threads, fork child, CLONE_FILES sibling
    expect(ckpt(['verify', img]).code).toBe(0);
    const show = ckpt(['show', img]);
    expect(show.code).toBe(0);
    for (const k of [
      'regular',
      'directory',
      'chardev',
      'pty',
      'pipe',
      'fifo',
      'unix-socket',
      'inet-socket',
      'netlink-socket',
      'eventfd',
      'epoll',
      'inotify',
      'signalfd',
      'timerfd',
      'nsfd',
      'memfd',
    ])
      expect(show.out).toContain(` ${k} `);
    const snap = readImageFile(img);
    expect(snap.header.source).toBe('proc');
    expect(snap.tasks.map((t) => t.pid)).toEqual(expect.arrayContaining([fx.pid, child, sibling]));
  });

  it('takes comma lists and repeated --pid, and records a pid that does not exist as an error', () => {
    const img = join(work, 'list.img');
    const r = ckpt(['capture', '--pid', `${fx.pid},${child}`, '--pid', '999999999', '-o', img]);
    expect(r.code, r.err).toBe(0);
    const snap = readImageFile(img);
    expect(
      snap.tasks
        .filter((t) => t.tgid === t.pid)
        .map((t) => t.pid)
        .sort(),
    ).toEqual([fx.pid, child].sort());
    expect(snap.errors).toContainEqual(expect.objectContaining({ errno: 'ESRCH', pid: 999999999, fd: -1 }));
    expect(ckpt(['verify', img]).code).toBe(0);
  });

  it('refuses bad requests with a usage error', () => {
    expect(ckpt(['capture', '--pid', 'abc', '-o', join(work, 'x.img')]).code).toBe(2);
    expect(ckpt(['capture', '--tree', '--all', '-o', join(work, 'x.img')]).code).toBe(2);
    expect(ckpt(['capture', '--pid', '1', '--all', '-o', join(work, 'x.img')]).code).toBe(2);
    expect(ckpt(['capture', '--sim', 'pipeline', '--freeze', '-o', join(work, 'x.img')]).code).toBe(2);
    expect(ckpt(['capture', '--pid', '1']).code).toBe(2);
    expect(existsSync(join(work, 'x.img'))).toBe(false);
  });

  it('--all captures every visible process, the fixture included', () => {
    const img = join(work, 'all.img');
    const r = ckpt(['capture', '--all', '-o', img]);
    expect(r.code, r.err).toBe(0);
    const snap = readImageFile(img);
    expect(snap.header.options.all).toBe('true');
    // Read by the native reader, started before the CLI had loaded (the read-ahead).
    expect(snap.header.options.reader).toBe('native');
    const pids = new Set(snap.tasks.map((t) => t.pid));
    for (const p of [1, fx.pid, child, sibling]) expect(pids.has(p)).toBe(true);
    expect(pids.has(r.pid!)).toBe(false); // not the capture itself
    const js = ckpt(['capture', '--all', '-o', img], { env: { CKPT_CAPTURE_READER: 'js' } });
    expect(js.code, js.err).toBe(0);
    const s2 = readImageFile(img);
    expect(s2.header.options.reader).toBe('js');
    const pids2 = new Set(s2.tasks.map((t) => t.pid));
    for (const p of [1, fx.pid, child, sibling]) expect(pids2.has(p)).toBe(true);
    expect(pids2.has(js.pid!)).toBe(false);
  });

  it('with CKPT_CAPTURE_READER=native, a missing addon is an error, not a fallback', () => {
    const r = ckpt(['capture', '--all', '-o', join(work, 'strict.img')], {
      env: { CKPT_PROCFD: join(work, 'no-such-addon.node'), CKPT_CAPTURE_READER: 'native' },
    });
    expect(r.code).toBe(1);
    expect(r.err).toContain('native /proc reader unavailable');
    expect(existsSync(join(work, 'strict.img'))).toBe(false);
  });

  it('falls back to the JavaScript reader when the addon is missing, and says why', () => {
    const img = join(work, 'fallback.img');
    const r = ckpt(['capture', '--pid', String(fx.pid), '-o', img], { env: { CKPT_PROCFD: join(work, 'no-such-addon.node') } });
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`note: read with the slower JavaScript reader: ${join(work, 'no-such-addon.node')} is missing`);
    const snap = readImageFile(img);
    expect(snap.header.options.reader).toBe('js');
    expect(snap.fdTables[0]!.fds.length).toBeGreaterThan(10);
  });
});

describe('ckpt capture --freeze', () => {
  const ours = () => [fx.pid, child, sibling];

  /**
   * `capture --tree --freeze` of the fixture, held frozen for holdMs (busy:
   * without a turn of the event loop, as while reading); resolves once
   * every process is stopped.
   */
  async function frozenCapture(img: string, holdMs: number, busy = false) {
    const p = spawn(process.execPath, [CKPT, 'capture', '--pid', String(fx.pid), '--tree', '--freeze', '-o', img], {
      env: { ...process.env, [busy ? 'CKPT_TEST_BUSY_FROZEN_MS' : 'CKPT_TEST_HOLD_FROZEN_MS']: String(holdMs) },
      stdio: 'ignore',
    });
    expect(await waitFor(() => ours().every((q) => procState(q) === 'T'), 10_000)).toBe(true);
    return p;
  }

  it('stops the processes during the capture, says so in the header, and resumes them', async () => {
    const img = join(work, 'frozen.img');
    const p = await frozenCapture(img, 400);
    const code = await new Promise<number | null>((r) => p.once('exit', r));
    expect(code).toBe(0);
    for (const q of ours()) expect(procState(q)).not.toBe('T');
    const snap = readImageFile(img);
    expect(snap.header.frozen).toBe(true);
    expect(snap.header.options.freeze).toBe('true');
  });

  for (const sig of ['SIGTERM', 'SIGINT'] as const)
    it(`resumes them when the capture gets ${sig}, and writes no image`, async () => {
      const img = join(work, `sig-${sig}.img`);
      const p = await frozenCapture(img, 30_000);
      p.kill(sig);
      const [, signal] = await new Promise<[number | null, string | null]>((r) => p.once('exit', (c, s) => r([c, s])));
      expect(signal).toBe(sig);
      for (const q of ours()) expect(procState(q)).not.toBe('T');
      expect(existsSync(img)).toBe(false);
      expect(readdirSync(work).filter((f) => f.includes(`sig-${sig}`))).toEqual([]);
    });

  for (const sig of ['SIGTERM', 'SIGINT'] as const)
    it(`a ${sig} that comes while the capture is busy reading is not lost: resumed, no image, dies of it`, async () => {
      const img = join(work, `busy-${sig}.img`);
      const p = await frozenCapture(img, 4000, true);
      // Past the short read of the fixture, well inside the 4 s busy hold.
      await new Promise((r) => setTimeout(r, 600));
      p.kill(sig);
      const [code, signal] = await new Promise<[number | null, string | null]>((r) => p.once('exit', (c, s) => r([c, s])));
      expect({ code, signal }).toEqual({ code: null, signal: sig });
      for (const q of ours()) expect(procState(q)).not.toBe('T');
      expect(existsSync(img)).toBe(false);
    });

  it('resumes them even when the capture is killed with SIGKILL (watchdog)', async () => {
    const img = join(work, 'killed.img');
    const p = await frozenCapture(img, 30_000);
    p.kill('SIGKILL');
    expect(await waitFor(() => ours().every((q) => procState(q) !== 'T'), 5_000)).toBe(true);
  });
});

describe('an unprivileged capture', () => {
  it('captures what it may, records EACCES for the rest, and writes a valid image', () => {
    const img = join(work, 'nobody.img');
    const r = ckpt(['capture', '--all', '-o', img], { uid: 65534, gid: 65534, bundle: true });
    expect(r.code, r.err).toBe(0);
    const snap = readImageFile(img);
    expect(snap.errors).toContainEqual(expect.objectContaining({ errno: 'EACCES', pid: fx.pid, where: `/proc/${fx.pid}/fd` }));
    // Said apart from the error count, and why, since the image reads as if they held nothing.
    const refused = new Set(snap.errors.filter((e) => e.errno === 'EACCES' && e.where === `/proc/${e.pid}/fd`).map((e) => e.pid));
    expect(r.err).toContain(
      `note: the fds of ${refused.size} processes could not be read (EACCES: another user's process: reading it needs root or CAP_SYS_PTRACE)\n`,
    );
    // And show says it where the fds would be.
    const shown = ckpt(['show', img, '--pid', String(fx.pid)]).out;
    expect(shown).toContain(`  no fd table: EACCES on /proc/${fx.pid}/fd (cannot list fds)\n`);
    const t = snap.tasks.find((x) => x.pid === fx.pid);
    expect(t?.fdTable).toBe(0);
    expect(ckpt(['verify', img]).code).toBe(0);
    const r2 = ckpt(['capture', '--pid', String(fx.pid), '--tree', '--freeze', '-o', join(work, 'nobody2.img')], {
      uid: 65534,
      gid: 65534,
      bundle: true,
    });
    expect(r2.code, r2.err).toBe(0);
    const s2 = readImageFile(join(work, 'nobody2.img'));
    expect(s2.errors).toContainEqual(expect.objectContaining({ errno: 'EPERM', pid: fx.pid }));
    expect(s2.header.frozen).toBe(false); // nothing could be stopped: the header must not claim a frozen cut
    for (const q of ours()) expect(procState(q)).not.toBe('T');
  });
  const ours = () => [fx.pid, child, sibling];

  it('captures its own processes fully, sharing proven by kcmp', async () => {
    const dir = join(work, 'nobody-fx');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const mine = await start('kinds', [dir], { uid: 65534, gid: 65534 });
    try {
      const facts = JSON.parse(mine.line) as { pid: number; child: number; file: { fd: number }; fileDup: { fd: number } };
      const img = join(work, 'nobody-own.img');
      const r = ckpt(['capture', '--pid', String(mine.pid), '--tree', '-o', img], { uid: 65534, gid: 65534, bundle: true });
      expect(r.code, r.err).toBe(0);
      const snap = readImageFile(img);
      expect(snap.header.options.sharing).toBe('kcmp');
      // Fixture parts that need privileges (packet, raw, fanotify) are simply absent as nobody.
      expect(snap.errors).toEqual([]);
      const p = snap.tasks.find((t) => t.pid === mine.pid)!;
      expect(p.uid).toBe(65534);
      const table = snap.fdTables.find((t) => t.ref === p.fdTable)!;
      const ref = (fd: number) => table.fds.find((x) => x.fd === fd)!.file;
      expect(ref(facts.fileDup.fd)).toBe(ref(facts.file.fd));
      for (const f of snap.files) expect(f.sharingInferred).toBe(false);
      for (const t of snap.fdTables) expect(t.sharingInferred).toBe(false);
    } finally {
      await mine.stop();
    }
  });
});
