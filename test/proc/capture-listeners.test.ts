/**
 * TCP listeners' backlog (format 1.6) where it is not the plain case:
 * - an SO_REUSEPORT group (two listeners on one port, each its own socket
 *   and inode): each gets its own backlog, not one of the other's;
 * - an IPv6 listener bound to an IPv4-mapped address (/proc/net/tcp6, the
 *   AF_INET6 dump);
 * - a capture by an unprivileged user (the fixture's own, uid 65534): the
 *   dump of its own namespace needs no privilege, and the capture succeeds;
 * - sock_diag refused (a namespace that cannot be entered) or a listener
 *   closed between /proc/net/tcp and the dump: the backlog is left unknown
 *   (backlogKnown false, which reads apart from a known backlog of 0) and
 *   nothing fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImageFile } from '../../src-main/engine/reader.js';
import { captureProc } from '../../src-main/sources/proc/index.js';
import { readNetTables } from '../../src-main/sources/proc/net-tables.js';
import type { RawError } from '../../src-main/sources/proc/raw-read.js';
import { describeFile, type OpenFile, type Snapshot } from '../../src-shared/model/index.js';
import { ckpt } from '../cli/run.js';
import { ROOT, firstJsonLine } from './fixture.js';

const root = process.geteuid?.() === 0;
const NOBODY = 65534;
const BUNDLE = join(ROOT, 'out', 'cli', 'ckpt.mjs');

// Two listeners sharing a port through SO_REUSEPORT, listen(3) and listen(9), and one connection not yet accepted by either;
// an IPv6 listener bound to the IPv4-mapped ::ffff:127.0.0.1, listen(6).
const PY = `
import json, os, socket, sys
def lis(port, backlog):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1); s.bind(('127.0.0.1', port)); s.listen(backlog); return s
a = lis(0, 3); port = a.getsockname()[1]; b = lis(port, 9)
c = socket.create_connection(('127.0.0.1', port))
m = socket.socket(socket.AF_INET6); m.bind(('::ffff:127.0.0.1', 0)); m.listen(6)
ino = lambda s: os.fstat(s.fileno()).st_ino
print(json.dumps({'pid': os.getpid(), 'port': port, 'a': [a.fileno(), ino(a)], 'b': [b.fileno(), ino(b)],
                  'mapped': [m.fileno(), ino(m)], 'mappedPort': m.getsockname()[1]}), flush=True)
sys.stdin.read()
`;

interface Facts {
  pid: number;
  port: number;
  a: [number, number];
  b: [number, number];
  mapped: [number, number];
  mappedPort: number;
}

let proc: ChildProcess | undefined;
let facts: Facts;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ckpt-listeners-'));
  chmodSync(dir, 0o777);
  // As nobody, so that nobody's capture below can read its fds.
  proc = spawn('python3', ['-c', PY], { stdio: ['pipe', 'pipe', 'inherit'], ...(root ? { uid: NOBODY, gid: NOBODY } : {}) });
  facts = await firstJsonLine(proc!, 'listener fixture');
});
afterAll(() => {
  proc?.stdin?.end();
  proc?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function fdFile(snap: Snapshot, pid: number, fd: number): OpenFile {
  const task = snap.tasks.find((t) => t.pid === pid)!;
  const table = snap.fdTables.find((t) => t.ref === task.fdTable)!;
  return snap.files.find((f) => f.ref === table.fds.find((x) => x.fd === fd)!.file)!;
}

function checkGroup(snap: Snapshot): void {
  const a = fdFile(snap, facts.pid, facts.a[0]);
  const b = fdFile(snap, facts.pid, facts.b[0]);
  expect([a.ino, b.ino]).toEqual([facts.a[1], facts.b[1]]);
  expect(a.attrs).toMatchObject({ state: 'LISTEN', localPort: facts.port, backlogKnown: true, backlog: 3 });
  expect(b.attrs).toMatchObject({ state: 'LISTEN', localPort: facts.port, backlogKnown: true, backlog: 9 });
  // The kernel hands the connection to one of the two, by hash: one waits in all.
  expect(Number(a.attrs.rxQueue) + Number(b.attrs.rxQueue)).toBe(1);
}

describe('an SO_REUSEPORT group', () => {
  it('each listener of one port with its own backlog and queue', async () => {
    checkGroup(await captureProc({ pids: [facts.pid] }));
  });

  it.skipIf(!root)('captured by its own unprivileged user, through the CLI: the same, and no error', () => {
    const img = join(dir, 'nobody.ckpt');
    // A run as root first rebuilds the bundle if it is stale, which nobody could not.
    expect(ckpt(['--version']).code).toBe(0);
    const r = spawnSync(process.execPath, [BUNDLE, 'capture', '--pid', String(facts.pid), '-o', img], {
      uid: NOBODY,
      gid: NOBODY,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const snap = readImageFile(img);
    checkGroup(snap);
    expect(snap.errors).toEqual([]);
  });
});

describe('an IPv6 listener on an IPv4-mapped address', () => {
  it('has its backlog from the AF_INET6 dump, its address shown dotted', async () => {
    const snap = await captureProc({ pids: [facts.pid] });
    const m = fdFile(snap, facts.pid, facts.mapped[0]);
    expect(m.ino).toBe(facts.mapped[1]);
    expect(m.attrs).toMatchObject({ family: 6, state: 'LISTEN', rxQueue: 0, backlogKnown: true, backlog: 6 });
    expect(describeFile(m)).toBe(`tcp6 [::ffff:127.0.0.1]:${facts.mappedPort} LISTEN accept-q 0 of 6`);
  });
});

describe('a backlog sock_diag did not give', () => {
  const LISTEN_LINE = (ino: number) =>
    `   0: 0100007F:1F90 00000000:0000 0A 00000000:00000002 00:00000000 00000000     0        0 ${ino} 1 0000000000000000 100 0 0 10 0\n`;
  const HEAD = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';

  /** A fake /proc whose process 4242 has net/tcp listing a listener of inode `ino`, and a ns/net link that leads nowhere. */
  function fake(ino: number): string {
    const r = join(dir, `proc-${Math.random().toString(36).slice(2)}`);
    mkdirSync(join(r, '4242', 'net'), { recursive: true });
    mkdirSync(join(r, '4242', 'ns'), { recursive: true });
    writeFileSync(join(r, '4242', 'net', 'tcp'), HEAD + LISTEN_LINE(ino));
    symlinkSync('net:[4026999999]', join(r, '4242', 'ns', 'net'));
    return r;
  }
  // An inode no live socket has (they count up from the boot; this is near the top of u32).
  const GONE = 4294967000;

  it('refused (its namespace cannot be entered): unknown, not 0, and no error', () => {
    const errors: RawError[] = [];
    const l = readNetTables(fake(GONE), 4242, false, errors).inet.get(GONE)!;
    expect(l).toMatchObject({ state: 'LISTEN', rxQueue: 2, backlogKnown: false, backlog: 0 });
    expect(errors).toEqual([]);
  });

  it('closed before the dump (our own namespace, where it is not among the listeners): unknown, and no error', () => {
    const errors: RawError[] = [];
    const l = readNetTables(fake(GONE), 4242, true, errors).inet.get(GONE)!;
    expect(l).toMatchObject({ state: 'LISTEN', rxQueue: 2, backlogKnown: false, backlog: 0 });
    expect(errors).toEqual([]);
  });

  it('an unknown backlog reads apart from a known backlog of 0', () => {
    const base = {
      kind: 'inet-socket',
      ref: 1,
      ino: 1,
      dev: 8,
      mode: 0o140777,
      flags: 2,
      pos: 0,
      mntId: 0,
      path: '',
    } as unknown as OpenFile;
    const attrs = {
      proto: 'tcp',
      family: 4,
      state: 'LISTEN',
      localAddr: '127.0.0.1',
      localPort: 8080,
      remoteAddr: '0.0.0.0',
      remotePort: 0,
      txQueue: 0,
      rxQueue: 0,
    };
    expect(describeFile({ ...base, attrs: { ...attrs, backlogKnown: false, backlog: 0 } })).toBe('tcp4 127.0.0.1:8080 LISTEN');
    expect(describeFile({ ...base, attrs: { ...attrs, backlogKnown: true, backlog: 0 } })).toBe(
      'tcp4 127.0.0.1:8080 LISTEN accept-q 0 of 0',
    );
  });
});
