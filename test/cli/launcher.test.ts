/**
 * bin/ckpt.mjs run as a program (as npm links it): its first lines are sh
 * that re-executes it with node. Arguments must arrive exactly, exit codes
 * and stdout bytes must pass through, and NODE_EXTRA_CA_CERTS (which costs
 * every start a parse of the certificate bundle) must not reach node.
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Script } from 'node:vm';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CKPT, ROOT } from './run.js';
import { FORMAT_MAJOR, FORMAT_MINOR } from '../../src-shared/model/index.js';
import { APP_VERSION } from '../../src-shared/version.js';

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(CKPT, args, { env: { ...process.env, ...env }, maxBuffer: 64 << 20, timeout: 60_000 });
  if (r.error) throw r.error;
  return { code: r.status, out: r.stdout, err: r.stderr.toString('utf8') };
}

describe('the ckpt executable', () => {
  it('passes arguments through exactly, spaces and shell characters included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt launcher $x `y` '));
    try {
      const sub = join(dir, 'a b;$(touch nope)*');
      mkdirSync(sub);
      const img = join(sub, "it's.ckpt");
      const r = run(['capture', '--sim', 'pipeline', '--seed', '3', '-o', img]);
      expect(r.err).toContain(`into ${img}`);
      expect(r.code).toBe(0);
      const viaNode = spawnSync(process.execPath, [
        CKPT,
        'capture',
        '--sim',
        'pipeline',
        '--seed',
        '3',
        '--time',
        '2026-01-01T00:00:00Z',
        '-o',
        '-',
      ]);
      const direct = run(['capture', '--sim', 'pipeline', '--seed', '3', '--time', '2026-01-01T00:00:00Z', '-o', '-']);
      expect(direct.code).toBe(0);
      expect(Buffer.compare(direct.out, viaNode.stdout)).toBe(0); // stdout bytes unchanged
      expect(readFileSync(img).length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('passes exit codes through', () => {
    expect(run(['no-such-command']).code).toBe(2);
    expect(run(['show', '/nonexistent/image.ckpt']).code).toBe(1);
    expect(run(['--version']).code).toBe(0);
  });

  it('does not hand NODE_EXTRA_CA_CERTS to node', () => {
    // Node warns about an unreadable extra-certs file at start-up; through
    // the executable it never sees the variable, so never warns.
    const bad = { NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' };
    const viaNode = spawnSync(process.execPath, [CKPT, '--version'], { env: { ...process.env, ...bad }, encoding: 'utf8' });
    expect(viaNode.stderr).toMatch(/extra certs/i);
    const direct = run(['--version'], bad);
    expect(direct.code).toBe(0);
    expect(direct.err).not.toMatch(/extra certs/i);
  });
});

describe('capture --all through the executable', () => {
  it('starts reading before the CLI loads, and the capture adopts that read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-launcher-all-'));
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const img = join(dir, 'all.ckpt');
      const r = run(['capture', '--all', '-o', img], { CKPT_CAPTURE_TIMING: '1' });
      expect(r.code, r.err).toBe(0);
      expect(r.err).toContain('read-ahead started by the launcher, adopted at');
      // The adopted read is a whole capture: our child is in it, with its fds.
      const shown = spawnSync(process.execPath, [CKPT, 'show', img, '--json'], { maxBuffer: 256 << 20, encoding: 'utf8' });
      const snap = JSON.parse(shown.stdout) as { header: { options: Record<string, string> }; tasks: { pid: number; fdTable: number }[] };
      expect(snap.header.options.reader).toMatch(/^native/);
      const t = snap.tasks.find((x) => x.pid === child.pid);
      expect(t?.fdTable).toBeGreaterThan(0);
      expect(spawnSync(process.execPath, [CKPT, 'verify', img]).status).toBe(0);
      // Without the addon the launcher starts nothing, and the capture says which reader ran.
      const js = run(['capture', '--all', '-o', img], { CKPT_CAPTURE_TIMING: '1', CKPT_CAPTURE_READER: 'js' });
      expect(js.code, js.err).toBe(0);
      expect(js.err).not.toContain('read-ahead started by the launcher');
    } finally {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the preload list', () => {
  it('names the chunks a live capture loads after the entry: the command, the /proc source, all on disk', () => {
    expect(run(['--version']).code).toBe(0); // rebuilds a stale bundle, and its list with it
    const cli = join(ROOT, 'out', 'cli');
    const list = (JSON.parse(readFileSync(join(cli, 'preload.json'), 'utf8')) as { capture: string[] }).capture;
    expect(list.some((c) => /^chunks\/capture-/.test(c))).toBe(true);
    expect(list.some((c) => /^chunks\/proc-/.test(c))).toBe(true);
    for (const c of list) expect(existsSync(join(cli, c)), c).toBe(true);
    // The entry's own chunks are loaded with it: not listed again.
    const entryImports = [...readFileSync(join(cli, 'ckpt.mjs'), 'utf8').matchAll(/from "\.\/(chunks\/[^"]+)"/g)].map((m) => m[1]);
    for (const c of entryImports) expect(list).not.toContain(c);
  });
});

describe("the capture's own launcher (bin/capture.cjs)", () => {
  /**
   * A copy of the package as npm installs it (bin/, out/cli/, package.json;
   * the addon and node_modules linked), so the code cache it writes beside
   * its bundle is this test's alone.
   */
  function installedCopy(): string {
    expect(run(['--version']).code).toBe(0); // rebuilds a stale bundle first
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-installed-'));
    chmodSync(dir, 0o755); // another user runs it too
    cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    mkdirSync(join(dir, 'out'));
    cpSync(join(ROOT, 'out', 'cli'), join(dir, 'out', 'cli'), { recursive: true, filter: (f) => !f.endsWith('.cache') });
    symlinkSync(join(ROOT, 'out', 'native'), join(dir, 'out', 'native'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    return dir;
  }

  it('runs the capture bundle with a V8 code cache: made by a run without one, used by the next, made again when V8 turns it down', () => {
    const dir = installedCopy();
    try {
      const bin = join(dir, 'bin', 'ckpt.mjs');
      const cli = join(dir, 'out', 'cli');
      const bundle = (JSON.parse(readFileSync(join(cli, 'preload.json'), 'utf8')) as { captureBundle: string }).captureBundle;
      expect(bundle).toMatch(/^capture-[A-Z0-9]+\.cjs$/);
      const cache = join(cli, `${bundle}.cache`);
      const capture = (n: number) => {
        const r = spawnSync(bin, ['capture', '--sim', 'pipeline', '--seed', '5', '--time', '2026-01-01T00:00:00Z', '-o', '-'], {
          env: { ...process.env, CKPT_CAPTURE_TIMING: '1' },
          maxBuffer: 64 << 20,
          timeout: 60_000,
        });
        expect(r.status, `run ${n}: ${r.stderr.toString()}`).toBe(0);
        return { image: r.stdout, said: /code cache of .*: (.*)/.exec(r.stderr.toString())?.[1] };
      };
      // Neither --help nor a usage error makes one: it would hold next to nothing of a capture.
      expect(spawnSync(bin, ['capture', '--help']).status).toBe(0);
      expect(spawnSync(bin, ['capture', '--no-such-option']).status).toBe(2);
      expect(readdirSync(cli).filter((f) => f.includes('.cache'))).toEqual([]);
      const first = capture(1);
      expect(first.said).toBe('none, other made at exit');
      expect(existsSync(cache)).toBe(true);
      const made = readFileSync(cache);
      const second = capture(2);
      expect(second.said).toBe('used (other)');
      expect(Buffer.compare(second.image, first.image)).toBe(0);
      // Garbage of the same size, and the same file with bytes flipped mid-way under its header (a torn
      // write, a damaged disk: V8 checks a cache's header, not its data, and would crash on it): damaged,
      // the capture the same, the cache made again.
      for (const damage of [(b: Buffer) => b.fill(0x5a), (b: Buffer) => b.subarray(b.length >> 1, (b.length >> 1) + 40).fill(0xa5)]) {
        writeFileSync(cache, damage(Buffer.from(made)));
        const again = capture(3);
        expect(again.said).toBe('damaged, other made at exit');
        expect(Buffer.compare(again.image, first.image)).toBe(0);
        expect(readFileSync(cache).equals(made)).toBe(false); // made again: V8's data differs run to run
        expect(capture(4).said).toBe('used (other)');
      }
      // Whole, but not V8's for this bundle and these flags (another script's, made without the capture's flags): turned down.
      const other = new Script('1 + 1', { filename: 'other.js' });
      other.runInThisContext();
      const data = other.createCachedData();
      writeFileSync(cache, Buffer.concat([Buffer.from('ckpt-cc1'), createHash('sha256').update(data).digest(), data]));
      expect(capture(5).said).toBe('turned down by V8, other made at exit');
      expect(capture(6).said).toBe('used (other)');
      // A capture of every process makes the cache the others then take (it holds the /proc reader's code).
      const all = spawnSync(bin, ['capture', '--all', '-o', join(dir, 'all.ckpt')], { env: { ...process.env, CKPT_CAPTURE_TIMING: '1' } });
      expect(all.status, all.stderr.toString()).toBe(0);
      expect(all.stderr.toString()).toMatch(/code cache of .*: used \(other\), all made at exit/);
      expect(existsSync(join(cli, `${bundle}.all.cache`))).toBe(true);
      expect(capture(7).said).toBe('used (all)');
      // And the same bytes as the CLI's own ES module path (node bin/ckpt.mjs runs no sh, so no capture launcher).
      const viaEsm = spawnSync(
        process.execPath,
        [bin, 'capture', '--sim', 'pipeline', '--seed', '5', '--time', '2026-01-01T00:00:00Z', '-o', '-'],
        {
          maxBuffer: 64 << 20,
        },
      );
      expect(Buffer.compare(viaEsm.stdout, first.image)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers capture --help, usage errors and a directory it may not write its cache to as the CLI does', () => {
    const dir = installedCopy();
    try {
      const bin = join(dir, 'bin', 'ckpt.mjs');
      const help = spawnSync(bin, ['capture', '--help']);
      expect(help.status).toBe(0);
      expect(help.stdout.toString()).toMatch(/^usage: ckpt capture /);
      expect(help.stdout.toString()).toContain('capture processes (or a simulation) into a checkpoint image');
      const bad = spawnSync(bin, ['capture', '--no-such-option']);
      expect(bad.status).toBe(2);
      expect(bad.stderr.toString()).toMatch(/^ckpt capture: .*--no-such-option/);
      // An installed package's directory the user may not write: the capture runs, without a cache.
      const cli = join(dir, 'out', 'cli');
      chmodSync(cli, 0o555);
      try {
        const r = spawnSync(bin, ['capture', '--sim', 'pipeline', '-o', '-'], { uid: 65534, gid: 65534, maxBuffer: 64 << 20 });
        if (r.error) throw r.error;
        expect(r.status, r.stderr.toString()).toBe(0);
        expect(r.stdout.length).toBeGreaterThan(0);
        expect(readdirSync(cli).filter((f) => f.endsWith('.cache') || f.endsWith('.tmp'))).toEqual([]);
      } finally {
        chmodSync(cli, 0o755);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the version', () => {
  it("is package.json's, in ckpt --version, with the image format this version writes", () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(APP_VERSION).toBe(pkg.version);
    expect(run(['--version']).out.toString()).toBe(`ckpt ${pkg.version} (image format ${FORMAT_MAJOR}.${FORMAT_MINOR})\n`);
  });
});
