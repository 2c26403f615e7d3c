/**
 * The held fixture (test/fixtures/proc/held.c) captured through the CLI by
 * both /proc readers: a memfd of 1 GiB holding one page (format 1.8's
 * allocated blocks, the memory it holds, against its size), and a pipe held
 * by three processes, one of which reopened it read-write through
 * /proc/PID/fd/N: that end's other ends are both other open files on it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImageFile } from '../../src-main/engine/reader.js';
import { OpenedImage } from '../../src-main/api/opened-image.js';
import { describeFile, memoryHeld, otherEnds, type OpenFile, type Snapshot } from '../../src-shared/model/index.js';
import type { ImageSummary } from '../../src-shared/store-types.js';
import { ckpt } from '../cli/run.js';
import { start, type Running } from './fixture.js';

interface Facts {
  memfd: { fd: number; size: number; blocks: number };
  pipe: { ino: number; readFd: number; writer: number; writeFd: number; both: number; bothFd: number };
}

let work: string;
let fx: Running;
let facts: Facts;
const images = new Map<string, { file: string; snap: Snapshot; show: string }>();

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ckpt-held-'));
  fx = await start('held', []);
  facts = JSON.parse(fx.line) as Facts;
  for (const reader of ['native', 'js']) {
    const file = join(work, `${reader}.ckpt`);
    const r = ckpt(['capture', '--pid', String(fx.pid), '--tree', '-o', file], { env: { CKPT_CAPTURE_READER: reader } });
    expect(r.code, r.err).toBe(0);
    const show = ckpt(['show', file]);
    expect(show.code, show.err).toBe(0);
    images.set(reader, { file, snap: readImageFile(file), show: show.out });
  }
}, 120_000);

afterAll(async () => {
  await fx?.stop();
  rmSync(work, { recursive: true, force: true });
});

function fileOf(s: Snapshot, pid: number, fd: number): OpenFile {
  const t = s.tasks.find((x) => x.pid === pid)!;
  const d = s.fdTables.find((x) => x.ref === t.fdTable)!.fds.find((x) => x.fd === fd)!;
  return s.files.find((f) => f.ref === d.file)!;
}

/** ckpt show's line of an fd of a process. */
function showLine(show: string, pid: number, fd: number): string {
  const block = show.split('\n\n').find((b) => b.startsWith(`task ${pid} `))!;
  return block.split('\n').find((l) => new RegExp(`^\\s+${fd}[* ] `).test(l))!;
}

describe.each(['native', 'js'])('captured by the %s reader', (reader) => {
  it('a memfd of 1 GiB with one page written: the memory it holds as fstat gives its blocks, and its size', () => {
    const { snap, show, file } = images.get(reader)!;
    expect(snap.header.options.reader).toBe(reader);
    expect(snap.header.formatMinor).toBe(8);
    const m = fileOf(snap, fx.pid, facts.memfd.fd);
    expect(m.kind).toBe('memfd');
    expect(facts.memfd.size).toBe(2 ** 30);
    expect(facts.memfd.blocks).toBeGreaterThan(0);
    expect(facts.memfd.blocks * 512).toBeLessThan(2 ** 20);
    expect(m.size).toBe(2 ** 30);
    expect(m.attrs).toEqual({ name: 'held-mem', blocksKnown: true, blocks: facts.memfd.blocks });
    expect(memoryHeld(m)).toEqual({ bytes: facts.memfd.blocks * 512, allocated: true });
    // One page of 4 KiB: what ckpt show, reports and search print for it.
    expect(facts.memfd.blocks).toBe(8);
    expect(describeFile(m)).toBe('memfd:held-mem (4.0 KiB memory held, size 1.0 GiB) (deleted)');
    expect(showLine(show, fx.pid, facts.memfd.fd)).toMatch(/ memfd:held-mem \(4\.0 KiB memory held, size 1\.0 GiB\)/);
    // The Inspector's open file pane: a 'Memory held' row, no disk.
    const img = new OpenedImage({ id: reader } as ImageSummary, readFileSync(file));
    const detail = img.file(m.ref);
    expect(detail.memoryHeld).toEqual({ bytes: 4096, allocated: true, text: '4.0 KiB (8 blocks of 512 bytes)' });
    expect(detail.diskHeld).toBeNull();
  });

  it("a pipe reopened read-write through /proc/PID/fd/N: that end's other ends are the read end's and the write end's files, each side's include it", () => {
    const { snap, show, file } = images.get(reader)!;
    const p = facts.pipe;
    const read = fileOf(snap, fx.pid, p.readFd);
    const write = fileOf(snap, p.writer, p.writeFd);
    const both = fileOf(snap, p.both, p.bothFd);
    for (const f of [read, write, both]) expect(f).toMatchObject({ kind: 'pipe', ino: p.ino });
    expect([read.attrs.end, write.attrs.end, both.attrs.end]).toEqual(['read', 'write', 'both']);
    expect(new Set([read.ref, write.ref, both.ref]).size).toBe(3);
    const ends = otherEnds(snap);
    const sorted = (refs: readonly number[] | undefined) => [...(refs ?? [])].sort((a, b) => a - b);
    expect(sorted(ends.get(both.ref))).toEqual(sorted([read.ref, write.ref]));
    expect(sorted(ends.get(read.ref))).toEqual(sorted([write.ref, both.ref]));
    expect(sorted(ends.get(write.ref))).toEqual(sorted([read.ref, both.ref]));
    // ckpt show names every holder of the other ends.
    const holders = (line: string) => /\[other end ([^\]]+)\]/.exec(line)![1]!.split(' ').sort();
    expect(holders(showLine(show, p.both, p.bothFd))).toEqual([`${fx.pid}:${p.readFd}`, `${p.writer}:${p.writeFd}`].sort());
    expect(holders(showLine(show, fx.pid, p.readFd))).toEqual([`${p.writer}:${p.writeFd}`, `${p.both}:${p.bothFd}`].sort());
    expect(holders(showLine(show, p.writer, p.writeFd))).toEqual([`${fx.pid}:${p.readFd}`, `${p.both}:${p.bothFd}`].sort());
    // The Inspector lists each other end with who holds it.
    const img = new OpenedImage({ id: reader } as ImageSummary, readFileSync(file));
    const other = img.file(both.ref).otherEnds;
    expect(other.map((o) => [o.ref, o.holders.map((h) => [h.pid, h.fd])]).sort()).toEqual(
      [
        [read.ref, [[fx.pid, p.readFd]]],
        [write.ref, [[p.writer, p.writeFd]]],
      ].sort(),
    );
  });
});
