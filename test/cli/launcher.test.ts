/**
 * bin/ckpt.mjs run as a program (as npm links it): its first lines are sh
 * that re-executes it with node. Arguments must arrive exactly, exit codes
 * and stdout bytes must pass through, and NODE_EXTRA_CA_CERTS (which costs
 * every start a parse of the certificate bundle) must not reach node.
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

describe('the version', () => {
  it("is package.json's, in ckpt --version, with the image format this version writes", () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(APP_VERSION).toBe(pkg.version);
    expect(run(['--version']).out.toString()).toBe(`ckpt ${pkg.version} (image format ${FORMAT_MAJOR}.${FORMAT_MINOR})\n`);
  });
});
