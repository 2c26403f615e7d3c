/**
 * Sockets whose queues and peers a fixture knows (test/fixtures/proc/sockets.c):
 * a unix listener with two connections never accepted, unread bytes on a
 * socketpair, and an IPv4 client of a dual-stack [::] listener. The unix
 * queues are held to the fixture's values and to what `ss -x` says of the
 * same sockets.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureProc } from '../../src-main/sources/proc/index.js';
import { decodeImage } from '../../src-main/engine/reader.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { describeFile, otherEnds, type OpenFile, type Snapshot } from '../../src-shared/model/index.js';
import { start, type Running } from './fixture.js';
import { AF_INET, AF_INET6, listenerDumpRequest, parseListeners } from '../../src-main/sources/proc/inet-diag.js';
import { sockDiagDump } from '../../src-main/sources/proc/sock-diag.js';
import { unixDiag } from '../../src-main/sources/proc/unix-diag.js';

interface End {
  fd: number;
  ino: number;
}
interface Facts {
  name: string;
  listener: End;
  c1: End;
  c2: End;
  pairA: End;
  pairB: End;
  l6: End;
  c4: End;
  srv: End;
  port: number;
  clientPort: number;
  l4: End;
  l4Port: number;
}

let fx: Running;
let facts: Facts;
let snap: Snapshot;

function fileOf(fd: number): OpenFile {
  const t = snap.tasks.find((x) => x.pid === fx.pid)!;
  const d = snap.fdTables.find((x) => x.ref === t.fdTable)!.fds.find((x) => x.fd === fd);
  if (!d) throw new Error(`fd ${fd} not captured`);
  return snap.files.find((f) => f.ref === d.file)!;
}

/** `ss -xaH` by socket inode: Recv-Q and Send-Q; null when ss is not there. */
function ssUnix(): Map<number, { state: string; recvQ: number; sendQ: number }> | null {
  const r = spawnSync('ss', ['-xaH'], { encoding: 'utf8' });
  if (r.status !== 0 || r.error) return null;
  const m = new Map<number, { state: string; recvQ: number; sendQ: number }>();
  for (const line of r.stdout.split('\n')) {
    // Netid State Recv-Q Send-Q Local-Address Local-Port(inode) Peer-Address Peer-Port: our names hold no blanks.
    const c = line.trim().split(/\s+/);
    if (c.length < 8) continue;
    m.set(Number(c[5]), { state: c[1]!, recvQ: Number(c[2]), sendQ: Number(c[3]) });
  }
  return m;
}

beforeAll(async () => {
  fx = await start('sockets', []);
  facts = JSON.parse(fx.line) as Facts;
  // Asserted on the decoded image: the format carries the new attributes.
  snap = decodeImage(encodeSnapshot(await captureProc({ pids: [fx.pid] })));
});
afterAll(async () => {
  await fx?.stop();
});

describe('unix socket queues', () => {
  it('a listener: its connections not accepted as its receive queue, shown as TCP shows them', () => {
    const l = fileOf(facts.listener.fd);
    expect(l.kind).toBe('unix-socket');
    expect(l.ino).toBe(facts.listener.ino);
    // Its backlog (listen(fd, 8)) from UNIX_DIAG_RQLEN, as for a TCP listener (format 1.7).
    expect(l.attrs).toMatchObject({
      type: 'stream',
      state: 'LISTEN',
      listening: true,
      name: facts.name,
      rxQueue: 2,
      txQueue: 0,
      backlogKnown: true,
      backlog: 8,
      pendingOn: 0,
    });
    expect(describeFile(l)).toBe(`unix stream [${facts.listener.ino}] ${facts.name} LISTEN accept-q 2 of 8`);
  });

  it('the clients nobody accepted: each waits on the listener (UNIX_DIAG_ICONS), its other end the listener', () => {
    const l = fileOf(facts.listener.fd);
    const peers = otherEnds(snap);
    for (const k of ['c1', 'c2'] as const) {
      const c = fileOf(facts[k].fd);
      // Its kernel peer is the embryo socket accept() would return: in no fd table, so no peer inode shown.
      expect(c.attrs, k).toMatchObject({ state: 'CONNECTED', pendingOn: facts.listener.ino, backlogKnown: false, backlog: 0 });
      expect(describeFile(c), k).toMatch(
        new RegExp(
          `^unix stream \\[${facts[k].ino}\\] \\(unnamed\\) CONNECTED( send-q \\d+)? not yet accepted by \\[${facts.listener.ino}\\]$`,
        ),
      );
      expect(peers.get(c.ref), k).toEqual([l.ref]);
    }
    // Sockets accepted or paired wait on nothing.
    expect(fileOf(facts.pairA.fd).attrs.pendingOn).toBe(0);
    expect(peers.has(l.ref)).toBe(false);
  });

  it('through koffi as through the addon: the backlog and the waiting clients', () => {
    for (const via of ['procfd', 'koffi'] as const) {
      const got = unixDiag(undefined, via)!;
      expect(got.get(facts.listener.ino), via).toMatchObject({ rxQueue: 2, backlogKnown: true, backlog: 8 });
      expect(got.get(facts.c1.ino)!.pendingOn, via).toBe(facts.listener.ino);
      expect(got.get(facts.c2.ino)!.pendingOn, via).toBe(facts.listener.ino);
    }
  });

  it("an unknown backlog (no sock_diag, older images) is not a known 0: 'LISTEN recv-q 2' against 'accept-q 0 of 0'", () => {
    const l = fileOf(facts.listener.fd);
    expect(describeFile({ ...l, attrs: { ...l.attrs, backlogKnown: false, backlog: 0 } })).toBe(
      `unix stream [${facts.listener.ino}] ${facts.name} LISTEN recv-q 2`,
    );
    expect(describeFile({ ...l, attrs: { ...l.attrs, rxQueue: 0, backlog: 0 } })).toBe(
      `unix stream [${facts.listener.ino}] ${facts.name} LISTEN accept-q 0 of 0`,
    );
  });

  it('connected ends: unread bytes as the receive queue, bytes the peer has not read as the send queue', () => {
    const b = fileOf(facts.pairB.fd);
    expect(b.attrs).toMatchObject({ state: 'CONNECTED', peer: facts.pairA.ino, rxQueue: 11, txQueue: 0 });
    expect(describeFile(b)).toBe(`unix stream [${facts.pairB.ino}] (unnamed) CONNECTED recv-q 11 peer [${facts.pairA.ino}]`);
    const a = fileOf(facts.pairA.fd);
    expect(a.attrs.rxQueue).toBe(0);
    // Counted in buffer memory, as ss shows it: at least the bytes written.
    expect(a.attrs.txQueue as number).toBeGreaterThanOrEqual(11);
    expect(describeFile(a)).toContain(` CONNECTED send-q ${String(a.attrs.txQueue)} peer [${facts.pairB.ino}]`);
    expect(fileOf(facts.c1.fd).attrs).toMatchObject({ rxQueue: 0, txQueue: 0 });
    expect(fileOf(facts.c2.fd).attrs.txQueue as number).toBeGreaterThanOrEqual(7);
  });

  it('says what ss -x says of the same sockets', (ctx) => {
    const ss = ssUnix();
    if (!ss) return ctx.skip();
    for (const k of ['listener', 'c1', 'c2', 'pairA', 'pairB'] as const) {
      const f = fileOf(facts[k].fd);
      const row = ss.get(facts[k].ino);
      expect(row, k).toBeDefined();
      expect(f.attrs.rxQueue, `${k} Recv-Q`).toBe(row!.recvQ);
      // A listener's Send-Q in ss is its backlog (listen(fd, 8)), not a queue: recorded as the backlog, its send queue 0 as /proc/net/tcp has a TCP listener's.
      if (k === 'listener') {
        expect(row!.sendQ).toBe(8);
        expect(f.attrs.backlog, 'listener backlog').toBe(row!.sendQ);
      } else expect(f.attrs.txQueue, `${k} Send-Q`).toBe(row!.sendQ);
    }
  });
});

/** `ss -ltnH` by local port: Recv-Q (the accept queue) and Send-Q (the backlog); null when ss is not there. */
function ssListeners(): Map<number, { recvQ: number; sendQ: number }> | null {
  const r = spawnSync('ss', ['-ltnH'], { encoding: 'utf8' });
  if (r.status !== 0 || r.error) return null;
  const m = new Map<number, { recvQ: number; sendQ: number }>();
  for (const line of r.stdout.split('\n')) {
    // State Recv-Q Send-Q Local-Address:Port Peer-Address:Port
    const c = line.trim().split(/\s+/);
    if (c.length < 5) continue;
    m.set(Number(c[3]!.slice(c[3]!.lastIndexOf(':') + 1)), { recvQ: Number(c[1]), sendQ: Number(c[2]) });
  }
  return m;
}

describe("TCP listeners' accept queue and backlog (sock_diag)", () => {
  it('two connections not accepted, of listen(fd, 7): accept-q 2 of 7', () => {
    const l = fileOf(facts.l4.fd);
    expect(l.ino).toBe(facts.l4.ino);
    expect(l.attrs).toMatchObject({ proto: 'tcp', family: 4, state: 'LISTEN', rxQueue: 2, txQueue: 0, backlogKnown: true, backlog: 7 });
    expect(describeFile(l)).toBe(`tcp4 127.0.0.1:${facts.l4Port} LISTEN accept-q 2 of 7`);
    expect(fileOf(facts.l6.fd).attrs).toMatchObject({ rxQueue: 0, backlogKnown: true, backlog: 4 });
  });

  // Skipped, said so, where there is no ss (it returned early and passed before).
  it.skipIf(spawnSync('ss', ['-V']).status !== 0)('as ss -lnt shows them', () => {
    const ss = ssListeners()!;
    expect(ss.get(facts.l4Port)).toEqual({ recvQ: 2, sendQ: 7 });
    expect(ss.get(facts.port)).toEqual({ recvQ: 0, sendQ: 4 });
    // And the capture says what ss says, listener by listener.
    for (const [fd, port] of [
      [facts.l4.fd, facts.l4Port],
      [facts.l6.fd, facts.port],
    ] as const) {
      const a = fileOf(fd).attrs;
      expect({ recvQ: a.rxQueue, sendQ: a.backlog }).toEqual(ss.get(port));
    }
  });

  it('through koffi as through the addon, and only listeners', () => {
    for (const via of ['procfd', 'koffi'] as const) {
      const got = parseListeners(sockDiagDump(listenerDumpRequest(AF_INET), undefined, via)!)!;
      expect(got.get(facts.l4.ino), via).toEqual({ queued: 2, backlog: 7 });
      // The connected ends of the same port are not listeners: the dump asked for LISTEN only.
      expect(got.has(facts.c4.ino)).toBe(false);
      const v6 = parseListeners(sockDiagDump(listenerDumpRequest(AF_INET6), undefined, via)!)!;
      expect(v6.get(facts.l6.ino), via).toEqual({ queued: 0, backlog: 4 });
      expect(v6.has(facts.l4.ino)).toBe(false);
    }
  });

  it('a socket that is not a listener has no backlog', () => {
    expect(fileOf(facts.srv.fd).attrs).toMatchObject({ state: 'ESTABLISHED', backlogKnown: false, backlog: 0 });
    expect(fileOf(facts.c4.fd).attrs).toMatchObject({ backlogKnown: false, backlog: 0 });
  });
});

describe('an IPv4 client of a dual-stack listener', () => {
  it('shows the server end with v4-mapped addresses dotted, as ss does', () => {
    const srv = fileOf(facts.srv.fd);
    expect(srv.attrs).toMatchObject({
      proto: 'tcp',
      family: 6,
      localAddr: '::ffff:127.0.0.1',
      remoteAddr: '::ffff:127.0.0.1',
      remotePort: facts.clientPort,
    });
    expect(describeFile(srv)).toBe(`tcp6 [::ffff:127.0.0.1]:${facts.port} -> [::ffff:127.0.0.1]:${facts.clientPort} ESTABLISHED`);
    // Its one connection accepted: an empty accept queue, of listen()'s 4.
    expect(describeFile(fileOf(facts.l6.fd))).toBe(`tcp6 [::]:${facts.port} LISTEN accept-q 0 of 4`);
    const c4 = fileOf(facts.c4.fd);
    expect(describeFile(c4)).toBe(`tcp4 127.0.0.1:${facts.clientPort} -> 127.0.0.1:${facts.port} ESTABLISHED`);
  });

  it('pairs the IPv4 end with the IPv6 end', () => {
    const peers = otherEnds(snap);
    const srv = fileOf(facts.srv.fd);
    const c4 = fileOf(facts.c4.fd);
    expect(peers.get(srv.ref)).toEqual([c4.ref]);
    expect(peers.get(c4.ref)).toEqual([srv.ref]);
    // The listener has no other end.
    expect(peers.has(fileOf(facts.l6.fd).ref)).toBe(false);
  });
});
