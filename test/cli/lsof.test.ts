/**
 * `ckpt show --lsof` and `--lsof-fields` against the real lsof: a fixture
 * that opens every kind of fd and then holds still is captured and listed
 * by /usr/bin/lsof at the same moment, and the two listings are compared
 * fd by fd, column by column.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ckpt } from './run.js';
import { start, type Running } from '../proc/fixture.js';
import { KIND_NAMES } from '../../src-shared/kinds/index.js';
import { LSOF_KINDS, lsofFile, renderLsof } from '../../src-main/cli/render-lsof.js';
import type { OpenFile } from '../../src-shared/model/snapshot.js';
import { simulate } from '../../src-main/sim/index.js';

const LSOF = '/usr/bin/lsof';
const HEAD = ['COMMAND', 'PID', 'USER', 'FD', 'TYPE', 'DEVICE', 'SIZE/OFF', 'NODE', 'NAME'];

interface Line {
  command: string;
  pid: string;
  user: string;
  /** The number (or cwd, txt...) without the access and lock letters. */
  fd: string;
  fdCell: string;
  type: string;
  device: string;
  sizeOff: string;
  node: string;
  name: string;
}

/**
 * Cells by the header's columns: lsof right-aligns every column but
 * COMMAND and NAME, so a cell ends where its heading ends (FD two further,
 * past the access and lock letters), and DEVICE may be blank.
 */
function parseTable(text: string): Line[] {
  const [head, ...rows] = text.split('\n').filter((l) => l !== '');
  expect(head!.split(/ +/)).toEqual(HEAD);
  const end = (h: string) => head!.indexOf(h) + h.length;
  const cell = (l: string, from: number, to: number) => l.slice(from, to).trim();
  return rows.map((l) => {
    const fdCell = cell(l, end('USER') + 1, end('FD') + 2);
    return {
      command: l.split(' ')[0]!,
      pid: cell(l, l.indexOf(' '), end('PID')),
      user: cell(l, end('PID') + 1, end('USER')),
      fd: /^(\d+|[a-zA-Z]+)/.exec(fdCell)![1]!,
      fdCell: l.slice(end('USER') + 1, end('FD') + 2).trimStart(),
      type: cell(l, end('FD') + 3, end('TYPE')),
      device: cell(l, end('TYPE') + 1, end('DEVICE')),
      sizeOff: cell(l, end('DEVICE') + 1, end('SIZE/OFF')),
      node: cell(l, end('SIZE/OFF') + 1, end('NODE')),
      // Not trimmed: lsof ends a UDP socket's name with a space.
      name: l.slice(head!.indexOf('NAME')),
    };
  });
}

/** -F output as one record per process and per file: field letter (or T's name, as TST) to value. */
function parseFields(text: string): { proc: Map<string, string>; files: Map<string, string>[] }[] {
  const out: { proc: Map<string, string>; files: Map<string, string>[] }[] = [];
  for (const l of text.split('\n')) {
    if (!l) continue;
    const [k, v] = l.startsWith('T') ? [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] : [l[0]!, l.slice(1)];
    if (k === 'p') out.push({ proc: new Map(), files: [] });
    const p = out[out.length - 1]!;
    if (k === 'f') p.files.push(new Map());
    (p.files.length ? p.files[p.files.length - 1]! : p.proc).set(k, v);
  }
  return out;
}

function lsof(args: string[]): string {
  const r = spawnSync(LSOF, ['-n', '-P', '-w', ...args], { encoding: 'latin1' });
  // Bytes as lsof wrote them, read back as UTF-8 where they are (the escaped names are ASCII but for what lsof prints raw).
  return Buffer.from(r.stdout, 'latin1').toString('utf8');
}

const byFd = (lines: Line[]) => new Map(lines.map((l) => [l.fd, l]));
// eslint-disable-next-line no-control-regex -- finding raw control characters is the point
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f\u202a-\u202e\u2066-\u2069]/;

let work: string;
let fx: Running;
let img: string;
let theirs: Line[];
let theirsF: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ckpt-lsof-'));
  mkdirSync(join(work, 'fx'));
  fx = await start('kinds', [join(work, 'fx')]);
  img = join(work, 'kinds.ckpt');
  // The fixture holds still once it has reported, so the capture and lsof see one state.
  const cap = ckpt(['capture', '--pid', String(fx.pid), '-o', img]);
  expect(cap.code, cap.err).toBe(0);
  if (!existsSync(LSOF)) return;
  theirs = parseTable(lsof(['-p', String(fx.pid)]));
  theirsF = lsof(['-p', String(fx.pid), '-F']);
});

afterAll(async () => {
  await fx?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!existsSync(LSOF))('ckpt show --lsof against lsof 4.95', () => {
  it('lists every fd as lsof does: FD and mode, TYPE, DEVICE, SIZE/OFF, NODE, NAME', () => {
    const r = ckpt(['show', img, '--lsof']);
    expect(r.code, r.err).toBe(0);
    const ours = parseTable(r.out);
    const mine = byFd(ours);
    const numeric = theirs.filter((l) => /^\d+$/.test(l.fd));
    // The kinds the comparison must cover, as lsof sees them.
    const names = numeric.map((l) => `${l.type} ${l.name}`);
    for (const want of [
      /^REG .*\/fx\/data\.txt$/,
      /^DIR .*\/fx$/,
      /^CHR \/dev\/null$/,
      /^FIFO pipe$/,
      /^unix type=STREAM \(CONNECTED\)$/,
      /^IPv4 127\.0\.0\.1:\d+ \(LISTEN\)$/,
      /^IPv4 127\.0\.0\.1:\d+->127\.0\.0\.1:\d+ \(ESTABLISHED\)$/,
      /^REG .*\/fx\/gone\.txt \(deleted\)$/,
    ])
      expect(
        names.some((n) => want.test(n)),
        String(want),
      ).toBe(true);
    expect(numeric.filter((l) => l.name.endsWith('(ESTABLISHED)'))).toHaveLength(2);
    for (const t of numeric) {
      const o = mine.get(t.fd);
      expect(o, `fd ${t.fd}`).toBeDefined();
      expect([o!.command, o!.pid, o!.user]).toEqual([t.command, t.pid, t.user]);
      expect(o!.fdCell, `fd ${t.fd}`).toBe(t.fdCell);
      expect(o!.type, `fd ${t.fd}`).toBe(t.type);
      expect(o!.node, `fd ${t.fd}`).toBe(t.node);
      expect(o!.name, `fd ${t.fd}`).toBe(t.name);
      expect(o!.sizeOff, `fd ${t.fd}`).toBe(t.sizeOff);
      // lsof's DEVICE for a unix socket is the kernel's socket address, which no capture records.
      if (t.type === 'unix') expect(o!.device).toBe('');
      else expect(o!.device, `fd ${t.fd}`).toBe(t.device);
    }
    expect(ours.filter((l) => /^\d+$/.test(l.fd)).map((l) => l.fd)).toEqual(numeric.map((l) => l.fd));
    // cwd and rtd: the image holds their paths only, so DEVICE, SIZE/OFF and NODE stay blank.
    for (const fd of ['cwd', 'rtd']) {
      const t = theirs.find((l) => l.fd === fd)!;
      const o = mine.get(fd)!;
      expect([o.fdCell, o.type, o.name]).toEqual([t.fdCell, t.type, t.name]);
      expect([o.device, o.sizeOff, o.node]).toEqual(['', '', '']);
    }
    // lsof's txt and mem lines (and DEL for a deleted mapping) come from the memory maps, which an image does not hold: skipped, and never made up.
    expect(ours.map((l) => l.fd).filter((fd) => !/^\d+$/.test(fd))).toEqual(['cwd', 'rtd']);
  });

  it('prints -F fields as lsof -F does, and they parse back to the table', () => {
    const r = ckpt(['show', img, '--lsof-fields']);
    expect(r.code, r.err).toBe(0);
    const [ours] = parseFields(r.out);
    const [real] = parseFields(theirsF);
    // g (process group) is not in an image.
    for (const k of ['p', 'R', 'c', 'u', 'L']) expect(ours!.proc.get(k), k).toBe(real!.proc.get(k));
    const realFd = new Map(real!.files.map((f) => [f.get('f')!, f]));
    for (const f of ours!.files) {
      const fd = f.get('f')!;
      const t = realFd.get(fd)!;
      expect(t, fd).toBeDefined();
      if (fd === 'cwd' || fd === 'rtd') {
        for (const k of ['a', 'l', 't', 'n']) expect(f.get(k), `${fd} ${k}`).toBe(t.get(k));
        continue;
      }
      const keys = new Set([...f.keys(), ...t.keys()]);
      // d of a unix socket is its kernel address: not captured.
      if (t.get('t') === 'unix') keys.delete('d');
      for (const k of keys) expect(f.get(k), `fd ${fd} field ${k}`).toBe(t.get(k));
    }
    // Every fd lsof lists (but the mappings' txt/mem) is there.
    expect(ours!.files.map((f) => f.get('f'))).toEqual(real!.files.map((f) => f.get('f')).filter((fd) => fd !== 'txt' && fd !== 'mem'));

    // Parsed back, the fields say what the table says.
    const table = byFd(parseTable(ckpt(['show', img, '--lsof']).out));
    for (const f of ours!.files) {
      const row = table.get(f.get('f')!)!;
      expect(row.fdCell.trimEnd(), f.get('f')).toBe(`${f.get('f')!}${f.get('a')!}${f.get('l')!}`.trimEnd());
      expect(row.type).toBe(f.get('t'));
      if (f.get('f') === 'cwd' || f.get('f') === 'rtd') continue;
      expect(row.node).toBe(f.get('i') ?? f.get('P'));
      expect(row.sizeOff).toBe(f.get('s') ?? f.get('o'));
      const st = f.get('TST');
      expect(row.name).toBe(f.has('TQR') || row.type === 'unix' ? `${f.get('n')} ${st ? `(${st})` : ''}` : f.get('n'));
      if (f.has('d')) expect(row.device).toBe(f.get('d'));
      else if (f.has('D') && row.type !== 'CHR' && row.type !== 'BLK') {
        const d = BigInt(f.get('D')!);
        expect(row.device).toBe(`${((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn)},${(d & 0xffn) | ((d >> 12n) & ~0xffn)}`);
      }
    }
  });

  it('filters with --pid and --kind, and prints nothing when nothing matches, as lsof', () => {
    const sockets = parseTable(ckpt(['show', img, '--lsof', '--kind', 'inet']).out);
    expect(sockets.length).toBeGreaterThan(0);
    expect(new Set(sockets.map((l) => l.type))).toEqual(
      new Set(theirs.filter((l) => /^(IPv4|IPv6|raw6?)$/.test(l.type)).map((l) => l.type)),
    );
    expect(parseTable(ckpt(['show', img, '--lsof', '--pid', String(fx.pid), '--kind', 'directory']).out).map((l) => l.fd)).toEqual(
      theirs.filter((l) => l.type === 'DIR').map((l) => l.fd),
    );
    const none = ckpt(['show', img, '--lsof', '--pid', '1']);
    expect([none.code, none.out]).toEqual([0, '']);
    expect(ckpt(['show', img, '--lsof', '--json']).err).toContain('--json and --lsof: pick one');
  });

  it('escapes a hostile name as lsof does, and never prints a raw control character', async () => {
    const dir = join(work, 'hostile');
    mkdirSync(dir);
    // ESC, newline, BEL, tab, backslash, a C1 control and a byte that is not UTF-8.
    const evil = Buffer.concat([Buffer.from(`${dir}/a\x1b[31mred\nline\x07\t\\x`), Buffer.from([0xc2, 0x85, 0xff]), Buffer.from('.txt')]);
    const bidi = `${dir}/invoice\u202etxt.exe`;
    const fds = [openSync(evil, 'w'), openSync(bidi, 'w')];
    // A command name with an escape sequence in it too: comm is the name the binary ran under.
    const cmd = join(dir, 'zz\x1b[1mz');
    symlinkSync('/bin/sleep', cmd);
    let p: ChildProcess | undefined;
    try {
      p = spawn(cmd, ['60'], { stdio: ['ignore', 'ignore', 'ignore', fds[0]!, fds[1]!] });
      await new Promise((res) => p!.once('spawn', res));
      const file = join(work, 'hostile.ckpt');
      expect(ckpt(['capture', '--pid', String(p.pid), '-o', file]).code).toBe(0);
      const real = byFd(parseTable(lsof(['-p', String(p.pid)])));
      const out = ckpt(['show', file, '--lsof']).out;
      const fields = ckpt(['show', file, '--lsof-fields']).out;
      expect(out).not.toMatch(RAW_CONTROL);
      expect(fields).not.toMatch(RAW_CONTROL);
      const mine = byFd(parseTable(out));
      expect(mine.get('3')!.name).toBe(real.get('3')!.name);
      expect(mine.get('3')!.name).toBe(`${dir}/a^[[31mred\\nline^G\\t\\\\x\\xc2\\x85\\xff.txt`);
      expect(mine.get('3')!.command).toBe(real.get('3')!.command);
      expect(mine.get('3')!.command).toBe('zz^[[1mz');
      // lsof prints a bidi override raw, which can make a name read as another: ours stays escaped.
      expect(real.get('4')!.name).toBe(bidi);
      expect(mine.get('4')!.name).toBe(`${dir}/invoice\\u202etxt.exe`);
      expect(fields).toContain(`n${dir}/a^[[31mred\\nline^G\\t\\\\x\\xc2\\x85\\xff.txt\n`);
    } finally {
      p?.kill('SIGKILL');
      for (const fd of fds) closeSync(fd);
    }
  });
});

describe('lsof kinds', () => {
  it('has an lsof entry for every kind, and renders every kind of a simulation', () => {
    expect(KIND_NAMES.filter((k) => !LSOF_KINDS[k])).toEqual([]);
    const s = simulate({ scenario: 'everything', seed: 1, time: 0 });
    const lines = renderLsof(s, { users: new Map([[0, 'root']]) }).split('\n');
    // The heading, then per process (threads are not listed) its cwd and rtd and every fd.
    const fdsOf = new Map(s.fdTables.map((t) => [t.ref, t.fds.length]));
    const leaders = s.tasks.filter((t) => t.pid === t.tgid);
    expect(lines.length).toBe(
      1 + leaders.reduce((n, t) => n + Number(t.cwd.length > 0) + Number(t.root.length > 0) + (fdsOf.get(t.fdTable) ?? 0), 0),
    );
    expect(lines.join('\n')).not.toMatch(RAW_CONTROL);
  });

  it('writes an fd of 10000 or more as lsof does (* and its last three digits), and a reaped pidfd as [pidfd]', () => {
    const s = simulate({ scenario: 'everything', seed: 1, time: 0 });
    const t = s.fdTables.find((x) => x.fds.length > 0)!;
    const leader = s.tasks.find((x) => x.fdTable === t.ref && x.pid === x.tgid)!;
    t.fds[0]!.fd = 19999;
    t.fds.push({ ...t.fds[0]!, fd: 100042 });
    const rows = renderLsof(s, { users: new Map([[0, 'root']]), filter: { pids: new Set([leader.pid]) } }).split('\n');
    expect(rows.some((l) => / \*999[rwu ]/.test(l))).toBe(true);
    expect(rows.some((l) => / \*042[rwu ]/.test(l))).toBe(true);
    expect(rows.join('\n')).not.toMatch(/19999|100042/);
    const pidfd = (pid: number) => lsofFile({ kind: 'pidfd', path: 'anon_inode:[pidfd]', attrs: { pid } } as unknown as OpenFile).name;
    expect(pidfd(42)).toBe('[pidfd:42]');
    expect(pidfd(-1)).toBe('[pidfd]');
  });

  it('names IPv6 ends as lsof 4.95 did for the same sockets: v4-mapped as IPv4, raw6 in /proc/net/raw6 order', () => {
    const inet = (attrs: Record<string, unknown>) => lsofFile({ kind: 'inet-socket', attrs } as unknown as OpenFile);
    const tcp6 = inet({
      family: 6,
      proto: 'tcp',
      localAddr: '::ffff:7f00:1',
      localPort: 42031,
      remoteAddr: '::ffff:127.0.0.1',
      remotePort: 36054,
      state: 'ESTABLISHED',
      rxQueue: 0,
      txQueue: 0,
    });
    expect([tcp6.type, tcp6.proto, tcp6.name]).toEqual(['IPv6', 'TCP', '127.0.0.1:42031->127.0.0.1:36054']);
    const lo6 = inet({
      family: 6,
      proto: 'tcp',
      localAddr: '::1',
      localPort: 36302,
      remoteAddr: '::1',
      remotePort: 42031,
      state: 'ESTABLISHED',
      rxQueue: 0,
      txQueue: 0,
    });
    expect(lo6.name).toBe('[::1]:36302->[::1]:42031');
    const raw6 = inet({ family: 6, proto: 'raw', localAddr: '::1', localPort: 58, remoteAddr: '::', remotePort: 0, state: 'CLOSE' });
    expect([raw6.type, raw6.name]).toEqual(['raw6', '00000000000000000000000001000000:003A->00000000000000000000000000000000:0000 st=07']);
    const raw4 = inet({
      family: 4,
      proto: 'raw',
      localAddr: '127.0.0.1',
      localPort: 1,
      remoteAddr: '0.0.0.0',
      remotePort: 0,
      state: 'CLOSE',
    });
    expect([raw4.type, raw4.name]).toEqual(['raw', '0100007F:0001->00000000:0000 st=07']);
  });
});
