/**
 * Sockets of a process in another network namespace resolve through that
 * namespace's tables (/proc/PID/net/*), not ours.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { captureProc } from '../../src-main/sources/proc/index.js';
import { firstJsonLine } from './fixture.js';

const PY = `
import json, os, socket, sys
s = socket.socket(); s.bind(('0.0.0.0', 0)); s.listen(5)
a, b = socket.socketpair()
print(json.dumps({'pid': os.getpid(), 'port': s.getsockname()[1], 'tcpFd': s.fileno(), 'tcpIno': os.fstat(s.fileno()).st_ino,
                  'aFd': a.fileno(), 'aIno': os.fstat(a.fileno()).st_ino, 'bIno': os.fstat(b.fileno()).st_ino}), flush=True)
sys.stdin.read()
`;

const canUnshare = spawnSync('unshare', ['--net', 'true']).status === 0;
let proc: ChildProcess | undefined;
let facts: { pid: number; port: number; tcpFd: number; tcpIno: number; aFd: number; aIno: number; bIno: number };

beforeAll(async () => {
  if (!canUnshare) return;
  proc = spawn('unshare', ['--net', 'python3', '-c', PY], { stdio: ['pipe', 'pipe', 'inherit'] });
  facts = await firstJsonLine(proc!, 'netns fixture');
});

afterAll(() => {
  proc?.stdin?.end();
  proc?.kill('SIGKILL');
});

it.skipIf(!canUnshare)('resolves sockets through the tables of the owner network namespace', async () => {
  const snap = await captureProc({ pids: [facts.pid] });
  const task = snap.tasks.find((t) => t.pid === facts.pid)!;
  const mine = Number(/\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/net'))![1]);
  expect(task.namespaces.find((n) => n.type === 'net')!.ino).not.toBe(mine);
  const table = snap.fdTables.find((t) => t.ref === task.fdTable)!;
  const file = (fd: number) => snap.files.find((f) => f.ref === table.fds.find((x) => x.fd === fd)!.file)!;
  const tcp = file(facts.tcpFd);
  expect(tcp.kind).toBe('inet-socket');
  expect(tcp.ino).toBe(facts.tcpIno);
  // Its backlog from that namespace's sock_diag (entered as for unix sockets): listen(s, 5), nothing queued.
  expect(tcp.attrs).toMatchObject({ proto: 'tcp', state: 'LISTEN', localPort: facts.port, rxQueue: 0, backlogKnown: true, backlog: 5 });
  const a = file(facts.aFd);
  expect(a.kind).toBe('unix-socket');
  // As root the capture enters the namespace for sock_diag, so peers are known there too.
  expect(a.attrs).toMatchObject({ type: 'stream', state: 'CONNECTED', peer: facts.bIno });
  expect(snap.errors).toEqual([]);
});
