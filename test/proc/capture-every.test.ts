/**
 * `ckpt capture --every`: a series of live captures from one process, each
 * stored as it is taken; an interrupt between captures ends the series
 * cleanly, and bad requests are usage errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CKPT, ckpt as run } from '../cli/run.js';

let home: string;
let target: ChildProcess;

const ckpt = (args: string[], h = home) => run(args, { env: { CKPT_HOME: h } });

interface Listed {
  id: string;
  label: string;
  captureTime: number;
  fdCount: number;
}
const list = (h = home): Listed[] => JSON.parse(ckpt(['list', '--json'], h).out) as Listed[];

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'ckpt-every-'));
  target = spawn('sleep', ['120'], { stdio: 'ignore' });
});
afterAll(() => {
  target?.kill();
  rmSync(home, { recursive: true, force: true });
});

describe('ckpt capture --every', () => {
  it('takes --count captures at the interval, each stored with the label', () => {
    const t0 = Date.now();
    const r = ckpt(['capture', '--pid', String(target.pid), '--store', '--every', '150ms', '--count', '3', '--label', 'series']);
    // Three captures whose starts are at least 150 ms apart: at least 300 ms in all.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(r.code, r.err).toBe(0);
    const ids = r.out.trim().split('\n');
    expect(ids).toHaveLength(3);
    expect(r.err).toMatch(/^1: stored in library: .* series/m);
    expect(r.err).toMatch(/^3: stored in library: /m);
    const got = list().filter((i) => i.label === 'series');
    expect(got.map((i) => i.id).sort()).toEqual([...ids].sort());
    // Capture times are taken inside each capture, so their spacing varies
    // with how long captures take; they still come in order, one per capture.
    const times = got.map((i) => i.captureTime);
    expect(new Set(times).size).toBe(3);
    // Each is a whole image of the process.
    expect(ckpt(['verify', '--all']).code).toBe(0);
    const tl = ckpt(['timeline', '--label', 'series', '--json']);
    expect(tl.code, tl.err).toBe(0);
  });

  it('ends the series on SIGINT between captures, exit 0, every stored image whole', async () => {
    const h = mkdtempSync(join(tmpdir(), 'ckpt-every-int-'));
    try {
      // A long interval: the series must end at the signal, not when the interval runs out.
      const p = spawn(process.execPath, [CKPT, 'capture', '--pid', String(target.pid), '--store', '--every', '1h', '--label', 'int'], {
        env: { ...process.env, CKPT_HOME: h },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      p.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      p.stderr!.on('data', (c: Buffer) => (err += c.toString()));
      await new Promise<void>((resolve, reject) => {
        const t = setInterval(() => {
          if (out.trim().split('\n').filter(Boolean).length >= 1) {
            clearInterval(t);
            resolve();
          }
        }, 20);
        p.once('exit', (c) => reject(new Error(`exited early: ${c}`)));
      });
      const t0 = Date.now();
      const code = await new Promise<number | null>((resolve) => {
        p.once('exit', (c) => resolve(c));
        p.kill('SIGINT');
      });
      expect(code).toBe(0);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(err).toMatch(/^interrupted; the series ends after 1 capture$/m);
      const ids = out.trim().split('\n');
      expect(ids).toHaveLength(1);
      expect(
        list(h)
          .map((i) => i.id)
          .sort(),
      ).toEqual([...ids].sort());
      expect(ckpt(['verify', '--all'], h).code).toBe(0);
      expect(readdirSync(h).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    } finally {
      rmSync(h, { recursive: true, force: true });
    }
  });

  it('ends the series on a signal that comes while a capture is stored, even with no time left to wait', async () => {
    const h = mkdtempSync(join(tmpdir(), 'ckpt-every-store-'));
    try {
      // An interval shorter than a capture: there is never a wait in which to
      // hear the signal. The hook holds the (synchronous) store for 1.5 s
      // after printing its line, and the signal lands inside that hold.
      const p = spawn(
        process.execPath,
        [CKPT, 'capture', '--pid', String(target.pid), '--store', '--every', '10ms', '--count', '3', '--label', 'slow'],
        {
          env: { ...process.env, CKPT_HOME: h, CKPT_TEST_HOLD_STORED_MS: '1500' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      let err = '';
      p.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      p.stderr!.on('data', (c: Buffer) => (err += c.toString()));
      await new Promise<void>((resolve, reject) => {
        p.stdout!.on('data', () => resolve());
        p.once('exit', (c) => reject(new Error(`exited early: ${c}`)));
      });
      const code = await new Promise<number | null>((resolve) => {
        p.once('exit', (c) => resolve(c));
        p.kill('SIGTERM');
      });
      expect(code).toBe(0);
      // Without the signal it would have gone on to --count 3.
      expect(out.trim().split('\n')).toHaveLength(1);
      expect(list(h).map((i) => i.id)).toEqual([out.trim()]);
      expect(err).toMatch(/^interrupted; the series ends after 1 capture$/m);
    } finally {
      rmSync(h, { recursive: true, force: true });
    }
  });

  it('refuses requests it cannot honour, as usage errors', () => {
    const pid = String(target.pid);
    const bad: [string[], RegExp][] = [
      [['capture', '--pid', pid, '--every', '1s', '-o', join(home, 'x.ckpt')], /add --store/],
      [['capture', '--pid', pid, '--store', '--every', '1s', '-o', join(home, 'x.ckpt')], /-o is not allowed/],
      [['capture', '--sim', 'leaky', '--store', '--every', '1s'], /repeats live captures/],
      [['capture', '--pid', pid, '--store', '--every', '5x'], /not a duration/],
      [['capture', '--pid', pid, '--store', '--every', '1ms'], /not a duration/],
      [['capture', '--pid', pid, '--store', '--count', '3'], /--count needs --every/],
      [['capture', '--pid', pid, '--store', '--every', '1s', '--count', '0'], /at least 1/],
      [['capture', '--pid', pid, '--timeout', 'soon', '-o', join(home, 'x.ckpt')], /--timeout: not a duration/],
      [['capture', '--sim', 'leaky', '--timeout', '1s', '-o', join(home, 'x.ckpt')], /--timeout applies to live captures/],
      [
        ['capture', '--pid', pid, '--label', 'nightly', '-o', join(home, 'x.ckpt')],
        /--label names the image stored in the library: add --store/,
      ],
      [['capture', '--sim', 'leaky', '--tag', 'a', '-o', join(home, 'x.ckpt')], /--tag names the image stored in the library: add --store/],
    ];
    for (const [args, why] of bad) {
      const r = ckpt(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(why);
    }
    for (const t of ['0', '250ms', '20'])
      expect(ckpt(['capture', '--pid', pid, '--timeout', t, '-o', join(home, `t${t}.ckpt`)]).code).toBe(0);
  });
});
