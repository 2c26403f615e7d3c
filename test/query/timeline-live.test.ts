/**
 * The timeline's socket suspects on real processes: a python3 server that
 * keeps every connection it accepts (its peers close theirs, so its sockets
 * sit in CLOSE_WAIT) is a leak of the listener's endpoint, and a client that
 * keeps connections its server closed is a leak toward the server's. Each
 * series is several `ckpt capture --pid --store` into a temp library, with
 * the connections made between captures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ckpt as run, ROOT } from '../cli/run.js';
import type { Timeline } from '../../src-shared/store-types.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'timeline', 'sockleak.py');
let home: string;
const procs: ChildProcess[] = [];
const ckpt = (args: string[]) => run(args, { env: { CKPT_HOME: home } });

/** A fixture process and a way to wait for a line of its output. */
function start(args: string[]) {
  const p = spawn('python3', [FIXTURE, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  procs.push(p);
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  let buf = '';
  p.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      waiters.splice(0).forEach((w) => w());
    }
  });
  const line = (re: RegExp, ms = 10_000) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line ${String(re)} from ${args.join(' ')}; got ${lines.join(' | ')}`)), ms);
      const check = () => {
        const hit = lines.find((l) => re.test(l));
        if (hit) {
          clearTimeout(timer);
          resolve(hit);
        } else waiters.push(check);
      };
      check();
    });
  return { p, line };
}

/** Opens a connection to the port, and closes it at once unless kept. */
function dial(port: number, keep = false): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      if (!keep) s.end();
      resolve(s);
    });
    s.on('error', reject);
  });
}

const timeline = (label: string) => {
  const r = ckpt(['timeline', '--label', label, '--json']);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as Timeline;
};
const capture = (pid: number, label: string) => {
  const r = ckpt(['capture', '--pid', String(pid), '--store', '--label', label]);
  expect(r.code, r.err).toBe(0);
};

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'ckpt-timeline-live-'));
});
afterAll(() => {
  for (const p of procs) p.kill();
  rmSync(home, { recursive: true, force: true });
});

describe('timeline socket suspects on live captures', () => {
  it("a server that never closes what it accepts: the listener's endpoint in CLOSE_WAIT, not one endpoint per client port", async () => {
    const srv = start(['server']);
    const port = Number(await srv.line(/^\d+$/));
    // One client stays connected all along: an accepted socket that does not grow.
    const steady = await dial(port, true);
    await srv.line(/ established 1$/);
    let closed = 0;
    for (let step = 0; step < 4; step++) {
      // Three clients connect and close between captures, from ports of their own.
      await Promise.all([0, 1, 2].map(() => dial(port)));
      closed += 3;
      await srv.line(new RegExp(`^closewait ${closed} established 1$`));
      capture(srv.p.pid!, 'cw');
    }
    steady.destroy();
    const t = timeline('cw');
    expect(t.points).toHaveLength(4);
    const key = `tcp 127.0.0.1:${port} accepted connections in CLOSE_WAIT`;
    const s = t.suspects.find((x) => x.key === key);
    expect(s, JSON.stringify(t.suspects.map((x) => x.key))).toMatchObject({
      what: 'socket',
      counts: [3, 6, 9, 12],
      first: 3,
      last: 12,
      perImage: 3,
    });
    // Over the seconds the captures took, at the fitted rate, in that unit.
    const spanS = (t.points[3]!.time - t.points[0]!.time) / 1000;
    expect(s!.text).toMatch(/^3 -> 12 over \d+(\.\d)? s \(\+\d+(\.\d+)?\/s\)$/);
    // The rate is the fit's, to the two significant digits rates are printed with.
    const perS = s!.perHour / 3600;
    expect(Math.abs(Number(/\+([\d.]+)\/s/.exec(s!.text)![1]) - perS) / perS).toBeLessThan(0.06);
    expect(Number(/over ([\d.]+) s/.exec(s!.text)![1])).toBeCloseTo(spanS, 0);
    // The clients' ports are no endpoint of their own, and the steady connection is no suspect.
    expect(t.suspects.filter((x) => x.what === 'socket').map((x) => x.key)).toEqual([key]);
    expect(t.suspects.find((x) => x.what === 'kind' && x.key === 'inet-socket')).toMatchObject({ first: 5, last: 14 });
    // The CLI names it so.
    const text = ckpt(['timeline', '--label', 'cw']);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(
      new RegExp(`\\n  socket  ${key.replace(/\./g, '\\.')}: 3 -> 12 over [\\d.]+ s \\(\\+[\\d.]+/s\\), \\+3\\.0 per image\\n`),
    );
  });

  it("a client that keeps connections its server closed: the server's endpoint, as before", async () => {
    const srv = start(['closer']);
    const port = Number(await srv.line(/^\d+$/));
    const cli = start(['client', String(port)]);
    for (let step = 1; step <= 4; step++) {
      cli.p.stdin!.write('2\n');
      await cli.line(new RegExp(`^closewait ${2 * step}$`));
      capture(cli.p.pid!, 'client');
    }
    const t = timeline('client');
    const sockets = t.suspects.filter((x) => x.what === 'socket');
    expect(sockets.map((x) => x.key)).toEqual([`tcp CLOSE_WAIT -> 127.0.0.1:${port}`]);
    expect(sockets[0]).toMatchObject({ counts: [2, 4, 6, 8], perImage: 2 });
  });
});
