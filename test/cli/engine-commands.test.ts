import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ckpt } from './run.js';
import { COMMANDS } from '../../src-main/cli/commands/index.js';
import { FORMAT_MINOR } from '../../src-shared/model/index.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ckpt-cli-'));
});

describe('ckpt capture --sim / show / records / verify', () => {
  it('captures a simulation into a valid image', () => {
    const file = join(dir, 'web.ckpt');
    const r = ckpt(['capture', '--sim', 'web-server', '--seed', '2', '-o', file]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/captured \d+ tasks, \d+ fds/);
    const v = ckpt(['verify', file]);
    expect(v.code).toBe(0);
    expect(v.out).toMatch(new RegExp(`ok, format 1\\.${FORMAT_MINOR}, \\d+ records`));
  });

  it('reads a format 1.0 image: verify names its version, show lists its anon file, --json gives it an empty fdinfo', () => {
    const old = join(__dirname, '..', 'fixtures', 'golden-everything-1.0.ckpt');
    const v = ckpt(['verify', old]);
    expect(v.code, v.err).toBe(0);
    expect(v.out).toMatch(/ok, format 1\.0, \d+ records/);
    const s = ckpt(['show', old]);
    expect(s.code, s.err).toBe(0);
    expect(s.out).toMatch(/^ +\d+\* anon +O_RDWR +pos 0 +anon_inode:\[io_uring\]$/m);
    const j = JSON.parse(ckpt(['show', old, '--json']).out);
    expect(j.files.filter((f: { kind: string }) => f.kind === 'anon')).toEqual([
      expect.objectContaining({ path: 'anon_inode:[io_uring]', fdinfo: '' }),
    ]);
  });

  it('show names an anon file by its link; its fdinfo lines are in the JSON whole', () => {
    const file = join(dir, 'kitchen.ckpt');
    expect(ckpt(['capture', '--sim', 'everything', '-o', file]).code).toBe(0);
    const s = ckpt(['show', file]);
    // An io_uring's fdinfo is ring counters that move: not part of its one-line name (diff compares that).
    expect(s.out).toMatch(/ anon_inode:\[io_uring\]$/m);
    const j = JSON.parse(ckpt(['show', file, '--json']).out);
    expect(j.files.find((f: { kind: string }) => f.kind === 'anon').fdinfo).toMatch(/^SqMask:\t0x3\nSqHead:\t0\n/);
  });

  it('is deterministic given --time', () => {
    const a = join(dir, 'a.ckpt');
    const b = join(dir, 'b.ckpt');
    ckpt(['capture', '--sim', 'database', '--seed', '5', '--time', '2026-03-01T10:00:00Z', '-o', a]);
    ckpt(['capture', '--sim', 'database', '--seed', '5', '--time', '2026-03-01T10:00:00Z', '-o', b]);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  it('show --json has the documented shape', () => {
    const file = join(dir, 'everything.ckpt');
    ckpt(['capture', '--sim', 'everything', '-o', file]);
    const r = ckpt(['show', file, '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(Object.keys(j).sort()).toEqual(['errors', 'fdTables', 'files', 'header', 'tasks']);
    const t = j.tasks[0];
    for (const k of ['pid', 'ppid', 'tgid', 'comm', 'fdTable']) expect(t).toHaveProperty(k);
    const table = j.fdTables.find((x: { ref: number }) => x.ref === t.fdTable);
    expect(table.fds[0]).toEqual({ fd: 0, file: expect.any(Number), cloexec: false });
    const sock = j.files.find((f: { kind: string; localPort?: number }) => f.kind === 'inet-socket' && f.localPort === 8443);
    expect(sock).toMatchObject({ proto: 'tcp', family: 4, state: 'LISTEN', localAddr: '0.0.0.0' });
    const hostile = j.files.find((f: { path: unknown }) => typeof f.path === 'object');
    expect(hostile.path.hex).toContain('fffe');
    expect(hostile.path.text).toContain('\\n<script>');
    expect(hostile.path.text).toContain('\\xff\\xfe');
    const huge = j.files.find((f: { path: unknown }) => f.path === '/var/lib/huge.img');
    expect(huge.ino).toBe(String(2n ** 63n + 5n));
  });

  it('show prints processes, fds and sharing as text, with names escaped', () => {
    const file = join(dir, 'everything.ckpt');
    const r = ckpt(['show', file]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/task 6000 .*kitchen-sink/);
    expect(r.out).toContain('/tmp/evil\\n<script>');
    expect(r.out).toMatch(/\(deleted\)/);
    expect(r.out.split('\n').some((l) => l.includes('[file') && l.includes('also 6001:'))).toBe(true);
  });

  it('records lists framing with offsets and objrefs', () => {
    const file = join(dir, 'everything.ckpt');
    const r = ckpt(['records', file, '--json']);
    const recs = JSON.parse(r.out) as { index: number; offset: number; typeName: string; len: number; objref: number }[];
    expect(recs[0]).toMatchObject({ index: 0, offset: 0, typeName: 'HEADER' });
    expect(recs.at(-1)!.typeName).toBe('TAIL');
    for (let i = 1; i < recs.length; i++) expect(recs[i]!.offset).toBe(recs[i - 1]!.offset + ((recs[i - 1]!.len + 7) & ~7));
    expect(ckpt(['records', file]).out).toMatch(/^\s+index\s+offset\s+type/);
  });

  it('verify names the offset of damage and exits non-zero', () => {
    const good = readFileSync(join(dir, 'everything.ckpt'));
    const bad = Buffer.from(good);
    bad.writeUInt8(bad.readUInt8(300) ^ 0x40, 300);
    const file = join(dir, 'bad.ckpt');
    writeFileSync(file, bad);
    const r = ckpt(['verify', file]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\.ckpt: [a-z-]+ at byte \d+/);
    // Cut inside the first fd table: the table announces more fds than the bytes left can hold.
    const cut = join(dir, 'cut.ckpt');
    writeFileSync(cut, good.subarray(0, 1000));
    const c = ckpt(['verify', cut]);
    expect(c.code).toBe(1);
    expect(c.err).toMatch(/cut\.ckpt: bad-length at byte \d+ \(record #2 FILE_TABLE\): fd table 1 announces \d+ fds/);
    const s = ckpt(['show', cut]);
    expect(s.code).toBe(1);
    // Named as verify names it: which file, then where and what.
    expect(s.err).toBe(`ckpt show: ${cut}: ${c.err.slice(`${cut}: `.length)}`);
    expect(s.err).toMatch(/^ckpt show: .*cut\.ckpt: bad-length at byte \d+ \(record #2 FILE_TABLE\)/);
    // Cut inside the TAIL: the last record runs past the end.
    const short = join(dir, 'short.ckpt');
    writeFileSync(short, good.subarray(0, good.length - 20));
    const t = ckpt(['verify', short]);
    expect(t.code).toBe(1);
    expect(t.err).toMatch(/short\.ckpt: truncated at byte \d+ \(record #\d+ TAIL\): record of 48 bytes runs past the end/);
    expect(ckpt(['show', short]).err).toMatch(
      /^ckpt show: .*short\.ckpt: truncated at byte \d+ \(record #\d+ TAIL\): record of 48 bytes runs past the end of the image \(\d+ bytes left\)\n$/,
    );
    expect(ckpt(['records', short]).err).toMatch(/^ckpt records: .*short\.ckpt: truncated at byte \d+ \(record #\d+ TAIL\)/);
    // A missing file: said once, as show says it, not Node's message naming the path three times.
    const missing = join(dir, 'missing.ckpt');
    const m = ckpt(['verify', missing]);
    expect(m.code).toBe(1);
    expect(m.err).toBe(`cannot open ${missing}: ENOENT (no such file)\n`);
  });

  it('show names devices, the other end of sockets, what deleted files hold, and filters by pid and kind', () => {
    const file = join(dir, 'show-everything.ckpt');
    expect(ckpt(['capture', '--sim', 'everything', '-o', file]).code).toBe(0);
    const out = ckpt(['show', file]).out;
    const line = (fd: number, pid = 6000) => {
      const lines = out.split('\n');
      const at = lines.findIndex((l) => l.startsWith(`task ${pid} `));
      return lines.slice(at + 1).find((l) => new RegExp(`^\\s+${fd}[* ] `).test(l)) ?? '';
    };
    expect(line(8)).toContain('/dev/null (char 1:3)');
    expect(line(9)).toContain('/dev/sda (block 8:0)');
    // The unix pair: each end names its own inode, its peer's, and who holds the other end.
    expect(line(14)).toMatch(/unix stream \[100007\] \(unnamed\) CONNECTED peer \[100008\] {2}\[other end 6001:14\]/);
    expect(line(14, 6001)).toMatch(/unix stream \[100008\] .* peer \[100007\] {2}\[other end 6000:14\]/);
    // Two deleted files: a 4 KiB scratch file (its blocks not recorded: the size) and a sparse log of 50 GiB (format 1.7).
    // The sparse log holds 4 KiB of disk, not its 50 GiB: the total is what both hold, and says which is apparent.
    expect(out).toContain(
      'deleted files still open: 2, 8.0 KiB of disk not freed until they are closed (1 of 2 files by apparent size: the image records no allocated blocks for them) (largest /tmp/scratch.bin, 4.0 KiB, held by 6000:33)',
    );
    expect(line(33)).toMatch(/ \/tmp\/scratch\.bin \(deleted, 4\.0 KiB\)$/);
    // A client of the control listener not yet accepted: shown waiting on it, the listener's holders as its other end.
    expect(line(37)).toMatch(/unix stream \[\d+\] \(unnamed\) CONNECTED not yet accepted by \[100006\] {2}\[other end 6000:13 6001:13\]$/);
    expect(line(13)).toMatch(/@kitchen-sink-ctl LISTEN accept-q 1 of 16 /);
    expect(out).toMatch(/^task 6000 .*\n {2}cwd \/home\/dev$/m);

    const socks = ckpt(['show', file, '--kind', 'socket']).out;
    expect(socks).toContain('unix stream [100007]');
    expect(socks).not.toMatch(/ regular /);
    const child = ckpt(['show', file, '--pid', '6001', '--kind', 'device']).out;
    expect(child).not.toContain('task 6000 ');
    expect(
      child
        .split('\n')
        .filter((l) => /^\s+\d+[* ] /.test(l))
        .map((l) => l.trim().split(/\s+/)[1]),
    ).toEqual(['pty', 'pty', 'pty', 'pty', 'chardev', 'blockdev']);
    expect(ckpt(['show', file, '--pid', '99']).out).toContain('no process or fd matches --pid/--kind');
    const bad = ckpt(['show', file, '--kind', 'sock']);
    expect(bad.code).toBe(2);
    // Each name once: a group and a kind may share one (socket, anon).
    const known = /known: (.*)$/m.exec(bad.err)![1]!.split(', ');
    expect(new Set(known).size).toBe(known.length);
    expect(ckpt(['show', file, '--pid', 'x']).code).toBe(2);
  });

  it('records lists the framing up to the damage, then names it', () => {
    const good = readFileSync(join(dir, 'everything.ckpt'));
    const all = JSON.parse(ckpt(['records', join(dir, 'everything.ckpt'), '--json']).out) as { offset: number; len: number }[];
    // Cut exactly where record #5 begins: records 0-4 are listed, #5 is named as missing.
    const at = all[5]!.offset;
    const cut = join(dir, 'boundary.ckpt');
    writeFileSync(cut, good.subarray(0, at));
    const r = ckpt(['records', cut]);
    expect(r.code).toBe(1);
    expect(r.out.trim().split('\n')).toHaveLength(1 + 5);
    expect(r.err).toBe(
      `ckpt records: ${cut}: truncated at byte ${at} (record #5): the image ends where this record would begin, without a TAIL record\n`,
    );
    const j = ckpt(['records', cut, '--json']);
    expect(j.code).toBe(1);
    expect((JSON.parse(j.out) as unknown[]).length).toBe(5);
    // Not an image at all: said so, nothing listed.
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'hello world, this is not a checkpoint image\n');
    const t = ckpt(['records', text]);
    expect(t.code).toBe(1);
    expect(t.out).toBe('');
    expect(t.err).toMatch(/^ckpt records: .*notes\.txt: not a checkpoint image \(/);
    expect(ckpt(['show', text]).err).toMatch(/^ckpt show: .*notes\.txt: not a checkpoint image \(/);
  });

  it('usage errors exit 2 with the usage line; missing files exit 1', () => {
    expect(ckpt(['capture', '--sim', 'pipeline']).code).toBe(2);
    const u = ckpt(['capture', '--bogus']);
    expect(u.code).toBe(2);
    expect(u.err).toContain('unknown option --bogus');
    expect(ckpt(['frobnicate']).code).toBe(2);
    const m = ckpt(['show', join(dir, 'nope.ckpt')]);
    expect(m.code).toBe(1);
    expect(m.err).toMatch(/^ckpt show: cannot open .*nope\.ckpt: ENOENT \(no such file\), and no library in /);
    const s = ckpt(['capture', '--sim', 'nope', '-o', join(dir, 'x.ckpt')]);
    expect(s.code).toBe(2);
    expect(s.err).toMatch(/unknown scenario "nope"/);
  });

  it('a failed capture leaves no file behind', () => {
    const sub = mkdtempSync(join(tmpdir(), 'ckpt-atomic-'));
    ckpt(['capture', '--sim', 'nope', '-o', join(sub, 'x.ckpt')]);
    expect(readdirSync(sub)).toEqual([]);
  });

  it('--help everywhere', () => {
    const top = ckpt(['--help']);
    expect(top.code).toBe(0);
    // Every command, not only these four: each module loads only when its command runs.
    const names = COMMANDS.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['capture', 'show', 'records', 'verify']));
    for (const { name: c, summary } of COMMANDS) {
      expect(top.out).toContain(c);
      const h = ckpt([c, '--help']);
      expect(h.code, h.err).toBe(0);
      expect(h.out).toMatch(/^usage: ckpt /);
      expect(h.out).toContain(summary);
    }
  });

  it('writes an image to stdout with -o -', () => {
    // Large enough that the writer flushes and reuses its buffer many times.
    const r = ckpt(['capture', '--sim', 'large', '--processes', '30', '--fds', '1000', '-o', '-']);
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(3 << 20);
    const file = join(dir, 'stdout.ckpt');
    writeFileSync(file, r.stdout);
    const v = ckpt(['verify', file]);
    expect(v.code, v.err).toBe(0);
  });
});
