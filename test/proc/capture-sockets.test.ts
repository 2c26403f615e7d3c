/**
 * Sockets whose peers a fixture knows (test/fixtures/proc/sockets.c): an
 * IPv4 client of a dual-stack [::] listener.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureProc } from '../../src-main/sources/proc/index.js';
import { decodeImage } from '../../src-main/engine/reader.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { describeFile, socketPeers, type OpenFile, type Snapshot } from '../../src-shared/model/index.js';
import { start, type Running } from './fixture.js';

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

beforeAll(async () => {
  fx = await start('sockets', []);
  facts = JSON.parse(fx.line) as Facts;
  snap = decodeImage(encodeSnapshot(await captureProc({ pids: [fx.pid] })));
});
afterAll(async () => {
  await fx?.stop();
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
    expect(describeFile(fileOf(facts.l6.fd))).toBe(`tcp6 [::]:${facts.port} LISTEN`);
    const c4 = fileOf(facts.c4.fd);
    expect(describeFile(c4)).toBe(`tcp4 127.0.0.1:${facts.clientPort} -> 127.0.0.1:${facts.port} ESTABLISHED`);
  });

  it('pairs the IPv4 end with the IPv6 end', () => {
    const peers = socketPeers(snap);
    const srv = fileOf(facts.srv.fd);
    const c4 = fileOf(facts.c4.fd);
    expect(peers.get(srv.ref)).toBe(c4.ref);
    expect(peers.get(c4.ref)).toBe(srv.ref);
    // The listener has no other end.
    expect(peers.has(fileOf(facts.l6.fd).ref)).toBe(false);
  });
});
