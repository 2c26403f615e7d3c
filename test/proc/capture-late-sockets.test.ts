/**
 * Sockets opened or closed while a capture runs (without --freeze) are not
 * in the socket tables read when the first socket was looked up: the
 * builder reads the tables again once; found there, they take their kind,
 * and otherwise they stay the generic `socket`, marked unlisted, which
 * their description says, with an error record counting them.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Builder } from '../../src-main/sources/proc/build.js';
import { captureProc } from '../../src-main/sources/proc/index.js';
import { sharingCalls } from '../../src-main/sources/proc/native.js';
import type { RawError } from '../../src-main/sources/proc/raw-read.js';
import { readProcs } from '../../src-main/sources/proc/worker-pool.js';
import { decodeImage } from '../../src-main/engine/reader.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { UNHASHED_NOTE, UNLISTED_NOTE } from '../../src-shared/kinds/socket.js';
import { describeFile, type OpenFile, type Snapshot } from '../../src-shared/model/index.js';
import { compile, start, type Running } from './fixture.js';

function fileOf(s: Snapshot, pid: number, fd: number): OpenFile {
  const t = s.tasks.find((x) => x.pid === pid)!;
  const d = s.fdTables.find((x) => x.ref === t.fdTable)!.fds.find((x) => x.fd === fd);
  if (!d) throw new Error(`fd ${fd} of ${pid} not captured`);
  return s.files.find((f) => f.ref === d.file)!;
}

/** Sends a command line to a step fixture and waits for its answer line. */
function ask(fx: Running, cmd: string): Promise<string> {
  return new Promise((resolve) => {
    let buf = '';
    const on = (c: Buffer) => {
      buf += c.toString();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      fx.proc.stdout!.off('data', on);
      resolve(buf.slice(0, nl));
    };
    fx.proc.stdout!.on('data', on);
    fx.proc.stdin!.write(`${cmd}\n`);
  });
}

async function rawOf(pid: number) {
  const got = await readProcs({ procRoot: '/proc', pids: [pid], worker: false });
  return got.procs.find((p) => p.pid === pid)!;
}

describe('a socket opened after the tables were read, and one closed before the second read', () => {
  let first: Running;
  let second: Running;
  beforeAll(async () => {
    first = await start('sockchurn', ['step']);
    second = await start('sockchurn', ['step']);
  });
  afterAll(async () => {
    await first?.stop();
    await second?.stop();
  });

  it('resolves the first by reading the tables again, marks the second', async () => {
    const [a0, ia0, b0, ib0] = (await ask(first, 'o')).split(' ').map(Number) as [number, number, number, number];
    const errors: RawError[] = [];
    const builder = new Builder('/proc', sharingCalls(), errors);
    // The first process's socket makes the builder read our namespace's unix table now.
    builder.prepare(await rawOf(first.pid));
    // Then the second process opens two socketpairs, and is read.
    const [x0, ix0, x1, ix1] = (await ask(second, 'o')).split(' ').map(Number) as [number, number, number, number];
    const [y0, iy0, y1] = (await ask(second, 'o')).split(' ').map(Number) as [number, number, number, number];
    builder.prepare(await rawOf(second.pid));
    // And closes the second pair before the capture ends.
    expect(await ask(second, 'c')).toBe('closed');
    const snap = decodeImage(encodeSnapshot(builder.link()));

    expect(fileOf(snap, first.pid, a0).attrs).toMatchObject({ state: 'CONNECTED', peer: ib0 });
    expect(fileOf(snap, first.pid, b0).attrs).toMatchObject({ peer: ia0 });
    // Opened late, still open: found in the second read, with its peer.
    const x = fileOf(snap, second.pid, x0);
    expect(x.kind).toBe('unix-socket');
    expect(x.ino).toBe(ix0);
    expect(x.attrs).toMatchObject({ type: 'stream', state: 'CONNECTED', peer: ix1 });
    expect(fileOf(snap, second.pid, x1).attrs).toMatchObject({ peer: ix0 });
    // Opened late, closed before the second read: generic, and says why.
    const y = fileOf(snap, second.pid, y0);
    expect(y.kind).toBe('socket');
    expect(y.ino).toBe(iy0);
    expect(y.attrs).toEqual({ family: 'UNIX-STREAM', unlisted: true });
    expect(describeFile(y)).toBe(`socket:[${iy0}] UNIX-STREAM ${UNLISTED_NOTE}`);
    expect(fileOf(snap, second.pid, y1).attrs.unlisted).toBe(true);
    const rec = snap.errors.filter((e) => e.where === 'socket tables');
    expect(rec).toHaveLength(1);
    expect(rec[0]!.errno).toBe('ENOENT');
    expect(rec[0]!.message).toMatch(/^2 socket\(s\) not in the socket tables at capture time/);
    expect(rec[0]!.message).toContain(`pid ${second.pid} fd ${y0} socket:[${iy0}]`);
  });

  it('a capture with nothing late has no such record and reads the tables once', async () => {
    const snap = await captureProc({ pids: [first.pid] });
    expect(snap.files.filter((f) => f.kind === 'socket')).toEqual([]);
    expect(snap.errors).toEqual([]);
  });
});

describe('a process that keeps creating and closing sockets, captured again and again', () => {
  let churn: Running;
  let kept: { fd: number; ino: number }[];
  beforeAll(async () => {
    churn = await start('sockchurn', ['loop']);
    kept = (JSON.parse(churn.line) as { kept: { fd: number; ino: number }[] }).kept;
  });
  afterAll(async () => {
    await churn?.stop();
  });

  it('leaves no unix socket generic without the mark, and marks no inet socket that is not bound (never listed)', async () => {
    let marked = 0;
    let unbound = 0;
    for (let i = 0; i < 15; i++) {
      const snap = await captureProc({ pids: [churn.pid], worker: i % 2 === 0 });
      // Sockets still open now, by fd.
      const openNow = new Map<number, string>();
      for (const name of readdirSync(`/proc/${churn.pid}/fd`)) {
        try {
          openNow.set(Number(name), readlinkSync(`/proc/${churn.pid}/fd/${name}`));
        } catch {
          // closed meanwhile
        }
      }
      for (const k of kept) expect(fileOf(snap, churn.pid, k.fd).kind).toBe('unix-socket');
      const t = snap.tasks.find((x) => x.pid === churn.pid)!;
      for (const d of snap.fdTables.find((x) => x.ref === t.fdTable)!.fds) {
        const f = snap.files.find((x) => x.ref === d.file)!;
        if (f.kind !== 'socket') continue;
        const family = String(f.attrs.family ?? '');
        if (/^(TCP|UDP)/.test(family)) {
          // The fixture's inet sockets are never bound: no table lists them, which says nothing of the capture.
          expect(f.attrs.unlisted, `fd ${d.fd} ${describeFile(f)}`).toBeFalsy();
          expect(describeFile(f)).not.toContain(UNLISTED_NOTE);
          unbound++;
          continue;
        }
        // Unix sockets are all in the tables: generic only with the mark, which the description shows.
        expect(f.attrs.unlisted, `fd ${d.fd} ${describeFile(f)} (now ${openNow.get(d.fd) ?? 'closed'})`).toBe(true);
        expect(describeFile(f)).toContain(UNLISTED_NOTE);
        marked++;
      }
      const rec = snap.errors.filter((e) => e.where === 'socket tables');
      expect(rec.length).toBeLessThanOrEqual(1);
    }
    // The churn is fast enough that some capture meets a socket closed under it, and its unbound inet sockets.
    expect(marked).toBeGreaterThan(0);
    expect(unbound).toBeGreaterThan(0);
  });
});

describe('sockets no table lists while nothing changes', () => {
  it('unbound TCP and UDP, a refused connect, an unbound netlink: generic with their protocol, no mark, no record', async () => {
    const fx = await start('unbound', []);
    try {
      const fds = fx.line.split(' ').slice(1).map(Number);
      const snap = await captureProc({ pids: [fx.pid] });
      const families = fds.map((fd) => {
        const f = fileOf(snap, fx.pid, fd);
        expect(f.kind, `fd ${fd}`).toBe('socket');
        expect(f.attrs.unlisted, `fd ${fd}`).toBeFalsy();
        expect(describeFile(f)).not.toContain(UNLISTED_NOTE);
        // Said why no table has it, rather than reading as an exotic socket.
        expect(describeFile(f)).toBe(`socket:[${String(f.ino)}] ${String(f.attrs.family)} ${UNHASHED_NOTE}`);
        return String(f.attrs.family);
      });
      expect(families).toEqual(['TCP', 'UDPv6', 'TCP', 'NETLINK']);
      expect(snap.errors.filter((e) => e.where === 'socket tables')).toEqual([]);
    } finally {
      await fx.stop();
    }
  });
});

describe('a late socket whose namespace has no process left to read it through', () => {
  const root = process.geteuid?.() === 0;
  it.skipIf(!root)('is left generic without the mark (its absence says nothing), and no table is read through a process gone', async () => {
    // Two processes in a network namespace of their own: the first makes its
    // unix table be read, the second opens a pair after that; then both exit.
    const bin = compile('sockchurn');
    const inNs = (cmd: string, args: string[]) => spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    const running = async (p: ReturnType<typeof inNs>): Promise<Running> => {
      const line = await new Promise<string>((ok) => p.stdout!.once('data', (c: Buffer) => ok(c.toString().split('\n')[0]!)));
      return { proc: p, pid: p.pid!, line, stop: async () => void p.kill('SIGKILL') };
    };
    const first = await running(inNs('unshare', ['-n', bin, 'step']));
    const second = await running(inNs('nsenter', [`--net=/proc/${first.pid}/ns/net`, bin, 'step']));
    try {
      expect(readlinkSync(`/proc/${second.pid}/ns/net`)).toBe(readlinkSync(`/proc/${first.pid}/ns/net`));
      await ask(first, 'o');
      const errors: RawError[] = [];
      const builder = new Builder('/proc', sharingCalls(), errors);
      builder.prepare(await rawOf(first.pid));
      const [y0, iy0] = (await ask(second, 'o')).split(' ').map(Number) as [number, number];
      builder.prepare(await rawOf(second.pid));
      for (const p of [first, second]) {
        const gone = new Promise((ok) => p.proc.once('exit', ok));
        p.proc.kill('SIGKILL');
        await gone;
      }
      const snap = decodeImage(encodeSnapshot(builder.link()));
      const y = fileOf(snap, second.pid, y0);
      expect(y.kind).toBe('socket');
      expect(y.ino).toBe(iy0);
      expect(y.attrs).toEqual({ family: 'UNIX-STREAM', unlisted: false });
      expect(snap.errors.filter((e) => e.where === 'socket tables')).toEqual([]);
      // Nothing was read through the dead processes' /proc entries.
      expect(snap.errors.filter((e) => String(e.where).includes(`/proc/${first.pid}/net`))).toEqual([]);
    } finally {
      first.proc.kill('SIGKILL');
      second.proc.kill('SIGKILL');
    }
  });
});
