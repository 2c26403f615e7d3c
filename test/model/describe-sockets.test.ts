/** How sockets read (describeFile) and pair (otherEnds): v4-mapped addresses, unix queues, images older than them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIpv6 } from '../../src-main/sources/proc/net-tables.js';
import { decodeImage } from '../../src-main/engine/reader.js';
import { renderShow } from '../../src-main/cli/render-show.js';
import { simulate } from '../../src-main/sim/index.js';
import { displayInetAddr, mappedIpv4 } from '../../src-shared/kinds/inet-socket.js';
import { describeFile, otherEnds, type AttrRecord, type OpenFile, type Snapshot, type Task } from '../../src-shared/model/index.js';

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));

describe('formatIpv6, as inet_ntop writes addresses', () => {
  it.each([
    ['00000000000000000000ffff7f000001', '::ffff:127.0.0.1'],
    ['00000000000000000000ffff00000000', '::ffff:0.0.0.0'],
    ['00000000000000000000ffffc0a80a01', '::ffff:192.168.10.1'],
    // IPv4-compatible (deprecated): glibc writes them dotted too, but never ::1 or ::.
    ['0000000000000000000000000a000001', '::10.0.0.1'],
    ['00000000000000000000000000000001', '::1'],
    ['00000000000000000000000000000000', '::'],
    ['20010db8000000000000000000000001', '2001:db8::1'],
    ['fe800000000000000000ffff7f000001', 'fe80::ffff:7f00:1'],
    ['0000000000000000ffff00007f000001', '::ffff:0:7f00:1'],
  ])('%s is %s', (hex, text) => {
    expect(formatIpv6(bytes(hex))).toBe(text);
  });
});

describe('v4-mapped addresses in images', () => {
  it('finds the IPv4 address in either text form (images before the dotted one wrote ::ffff:7f00:1)', () => {
    expect(mappedIpv4('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(mappedIpv4('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(mappedIpv4('::FFFF:C0A8:A01')).toBe('192.168.10.1');
    expect(mappedIpv4('::1')).toBeNull();
    expect(mappedIpv4('fe80::ffff:7f00:1')).toBeNull();
    expect(mappedIpv4('127.0.0.1')).toBeNull();
  });
  it('displays them as ss does, whatever form the image holds', () => {
    expect(displayInetAddr(6, '::ffff:7f00:1')).toBe('[::ffff:127.0.0.1]');
    expect(displayInetAddr(6, '::ffff:127.0.0.1')).toBe('[::ffff:127.0.0.1]');
    expect(displayInetAddr(6, '::')).toBe('[::]');
    expect(displayInetAddr(4, '127.0.0.1')).toBe('127.0.0.1');
  });
});

function sock(ref: number, kind: string, attrs: AttrRecord, ino = 1000 + ref): OpenFile {
  return {
    ref,
    kind,
    path: `socket:[${ino}]`,
    flags: 2,
    mode: 0o140777,
    pos: 0,
    mntId: 0,
    dev: 8,
    ino,
    rdev: 0,
    size: 0,
    nlink: 1,
    deleted: false,
    sharingInferred: false,
    locks: [],
    attrs,
  };
}
const tcp = (family: number, la: string, lp: number, ra: string, rp: number): AttrRecord => ({
  proto: 'tcp',
  family,
  state: 'ESTABLISHED',
  localAddr: la,
  localPort: lp,
  remoteAddr: ra,
  remotePort: rp,
  txQueue: 0,
  rxQueue: 0,
});
function task(pid: number, table: number, net: number): Task {
  return {
    pid,
    tgid: pid,
    ppid: 1,
    uid: 0,
    gid: 0,
    comm: 'x',
    cmdline: [],
    cwd: '/',
    root: '/',
    namespaces: [{ type: 'net', ino: net }],
    fdTable: table,
    fdLimit: null,
  };
}

describe('otherEnds across IPv4 and v4-mapped IPv6', () => {
  const scene = (serverNet: number, serverAddr: string): Pick<Snapshot, 'files' | 'fdTables' | 'tasks'> => ({
    files: [
      sock(1, 'inet-socket', tcp(6, serverAddr, 9600, serverAddr, 45938)),
      sock(2, 'inet-socket', tcp(4, '127.0.0.1', 45938, '127.0.0.1', 9600)),
    ],
    fdTables: [
      { ref: 1, fds: [{ fd: 4, file: 1, cloexec: false }], sharingInferred: false },
      { ref: 2, fds: [{ fd: 3, file: 2, cloexec: false }], sharingInferred: false },
    ],
    tasks: [task(10, 1, serverNet), task(20, 2, 77)],
  });
  it('pairs a tcp4 end with the tcp6 end that sees it v4-mapped, in either text form', () => {
    for (const addr of ['::ffff:127.0.0.1', '::ffff:7f00:1']) {
      const p = otherEnds(scene(77, addr));
      expect(p.get(1)).toEqual([2]);
      expect(p.get(2)).toEqual([1]);
    }
  });
  it('not across network namespaces', () => {
    expect(otherEnds(scene(78, '::ffff:127.0.0.1')).size).toBe(0);
  });
  it('not a non-mapped IPv6 address', () => {
    expect(otherEnds(scene(77, '::1')).size).toBe(0);
  });
});

describe('unix socket queues in descriptions', () => {
  const unix = (attrs: AttrRecord) => sock(1, 'unix-socket', { type: 'stream', name: '', peer: 0, listening: false, ...attrs }, 42);
  it('shows them as TCP does, only when not empty', () => {
    expect(describeFile(unix({ state: 'LISTEN', name: '@srv', listening: true, rxQueue: 2, txQueue: 0 }))).toBe(
      'unix stream [42] @srv LISTEN recv-q 2',
    );
    expect(describeFile(unix({ state: 'CONNECTED', peer: 43, rxQueue: 0, txQueue: 768 }))).toBe(
      'unix stream [42] (unnamed) CONNECTED send-q 768 peer [43]',
    );
    expect(describeFile(unix({ state: 'CONNECTED', peer: 43, rxQueue: 0, txQueue: 0 }))).toBe(
      'unix stream [42] (unnamed) CONNECTED peer [43]',
    );
  });
  it('an image of 1.3 (no queues) reads and shows its unix sockets as before', () => {
    const s = decodeImage(readFileSync(join(__dirname, '..', 'fixtures', 'golden-everything-1.3.ckpt')));
    const unixFiles = s.files.filter((f) => f.kind === 'unix-socket');
    expect(unixFiles.length).toBeGreaterThan(0);
    for (const f of unixFiles) expect(describeFile(f)).toMatch(/^unix (stream|dgram) \[\d+\] \S+ (LISTEN|CONNECTED)( peer \[\d+\])?$/);
  });
});

describe('otherEnds of pipes and FIFOs', () => {
  it("pairs each end of a pipe with the other end's open file, as the pipeline's processes hold them", () => {
    const s = simulate({ scenario: 'pipeline', seed: 1, time: 0 });
    const pipes = s.files.filter((f) => f.kind === 'pipe');
    expect(pipes.length).toBeGreaterThanOrEqual(6);
    const ends = otherEnds(s);
    for (const f of pipes) {
      expect(ends.get(f.ref)).toHaveLength(1);
      const other = s.files.find((x) => x.ref === ends.get(f.ref)![0])!;
      expect(other.kind).toBe('pipe');
      expect(other.ino).toBe(f.ino);
      expect([f.attrs.end, other.attrs.end].sort()).toEqual(['read', 'write']);
    }
    // ckpt show names who holds the other end on each pipe's line: a reader's fd 0, the writer's fd 1.
    expect(renderShow(s)).toMatch(/^\s+0[* ] pipe .* read end\s+\[other end \d+:1\]/m);
  });
  it('a FIFO opened for both ends pairs with another open of it; one alone has no other end', () => {
    const s0 = simulate({ scenario: 'pipeline', seed: 1, time: 0 });
    const fifo = (ref: number, end: string) =>
      ({ ...s0.files[0]!, ref, kind: 'fifo', dev: 8, ino: 99, attrs: { end } as AttrRecord }) as OpenFile;
    const files = [fifo(1, 'both'), fifo(2, 'read')];
    const ends = otherEnds({ files, fdTables: [], tasks: [] });
    expect(ends.get(1)).toEqual([2]);
    expect(ends.get(2)).toEqual([1]);
    expect(otherEnds({ files: [fifo(3, 'both')], fdTables: [], tasks: [] }).size).toBe(0);
  });
  it("a read-write end's other ends are every other open file on the pipe; a read end's every writer, a write end's every reader", () => {
    const s0 = simulate({ scenario: 'pipeline', seed: 1, time: 0 });
    const pipe = (ref: number, end: string) =>
      ({ ...s0.files[0]!, ref, kind: 'pipe', dev: 12, ino: 77, attrs: { end } as AttrRecord }) as OpenFile;
    const files = [pipe(1, 'read'), pipe(2, 'write'), pipe(3, 'both'), pipe(4, 'read'), pipe(5, 'write')];
    const ends = otherEnds({ files, fdTables: [], tasks: [] });
    expect(ends.get(3)).toEqual([1, 2, 4, 5]);
    expect(ends.get(1)).toEqual([2, 3, 5]);
    expect(ends.get(4)).toEqual([2, 3, 5]);
    expect(ends.get(2)).toEqual([1, 3, 4]);
    // Two read-write ends: each the other's, and every read and write end's.
    const two = otherEnds({ files: [pipe(1, 'both'), pipe(2, 'both'), pipe(3, 'read')], fdTables: [], tasks: [] });
    expect(two.get(1)).toEqual([2, 3]);
    expect(two.get(2)).toEqual([1, 3]);
    expect(two.get(3)).toEqual([1, 2]);
  });
});
