/**
 * The addon's kcmpSort against the kernel, on a process that leaked opens of
 * one file (every tenth fd dup'ed) and a child holding them all: the groups
 * it finds are the ones a call per comparison finds, in fewer calls; a fd
 * that vanished is set aside and the rest still proven; and a capture of
 * the leak proves every open file, in both fd tables.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureProc } from '../../src-main/sources/proc/index.js';
import { KCMP_FILE } from '../../src-main/sources/proc/native.js';
import { procfd } from '../../src-main/sources/proc/procfd-reader.js';
import { groupByKernel, type Kcmp } from '../../src-main/sources/proc/sharing.js';
import { start, type Running } from './fixture.js';

const N = 3000;
let dir: string;
let file: string;
let fx: Running;
let child: number;

interface Item {
  pid: number;
  fd: number;
}

/** The fds of `pid` open on the leaked file. */
function leaked(pid: number): Item[] {
  const out: Item[] = [];
  for (const name of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${name}`) === file) out.push({ pid, fd: Number(name) });
    } catch {
      /* an fd of the listing itself */
    }
  }
  return out;
}

const addon = () => procfd()!;
/** kcmp a call per comparison: the partition sharing.ts does without the addon's sort. */
const oneByOne = (): Kcmp => addon().kcmp.bind(null);
const sorting = (): Kcmp => Object.assign(addon().kcmp.bind(null), { sort: addon().kcmpSort });

function group(items: Item[], kcmp: Kcmp) {
  return groupByKernel(
    items,
    () => 'the leaked file',
    (i) => ({ pid: i.pid, idx: i.fd }),
    KCMP_FILE,
    kcmp,
    () => 'inferred',
  );
}

/** Groups as sorted lists of "pid:fd", sorted: comparable whatever order they came in. */
const shape = (groups: Item[][]) => groups.map((g) => g.map((i) => `${i.pid}:${i.fd}`).sort()).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ckpt-kcmp-sort-'));
  file = join(dir, 'app.log');
  writeFileSync(file, 'x');
  fx = await start('leak', [String(N), file]);
  child = Number(fx.line.split(' ')[1]);
});

afterAll(async () => {
  await fx?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('kcmpSort', () => {
  it('finds the open files a call per comparison finds, in fewer calls', () => {
    const items = [...leaked(fx.pid), ...leaked(child)];
    // N opens, a dup of every tenth, all of it twice (parent and child).
    expect(items).toHaveLength(2 * (N + N / 10));
    const want = group(items, oneByOne());
    const got = group(items, sorting());
    expect(got.inferred.some((x) => x)).toBe(false);
    expect(shape(got.groups)).toEqual(shape(want.groups));
    expect(got.groups).toHaveLength(N);
    // Each open file: its fd in the parent and the same fd in the child, and the dup's pair.
    const sizes = got.groups.map((g) => g.length).sort();
    expect(sizes.filter((s) => s === 4)).toHaveLength(N / 10);
    expect(sizes.filter((s) => s === 2)).toHaveLength(N - N / 10);
    for (const g of got.groups) expect(new Set(g.map((i) => i.fd)).size).toBe(g.length / 2);
    // Quicksort asks about 1.39 n log2 n; the sort's merges near n log2 n.
    const n = items.length;
    expect(got.calls).toBeLessThan(want.calls);
    expect(got.calls).toBeLessThan(n * Math.log2(n));
  });

  it('sets a vanished fd aside and still proves the rest', () => {
    const gone = spawnSync('true').pid!; // a pid no longer in use
    const items = [...leaked(fx.pid), { pid: gone, fd: 3 }];
    const g = group(items, sorting());
    const proven = g.groups.filter((_, i) => !g.inferred[i]);
    const inferred = g.groups.filter((_, i) => g.inferred[i]);
    expect(inferred).toEqual([[{ pid: gone, fd: 3 }]]);
    expect(g.refusals.get('ESRCH')).toBe(1);
    expect(shape(proven)).toEqual(shape(group(leaked(fx.pid), oneByOne()).groups));
  });

  it('refuses arrays of the wrong type or length', () => {
    const i32 = (n: number) => new Int32Array(n);
    const bad: unknown[][] = [
      [KCMP_FILE, [1, 2], i32(2), i32(2), new Uint8Array(2), i32(3)],
      [KCMP_FILE, i32(2), i32(3), i32(2), new Uint8Array(2), i32(3)],
      [KCMP_FILE, i32(2), i32(2), i32(2), new Int8Array(2), i32(3)],
      [KCMP_FILE, i32(2), i32(2), i32(2), new Uint8Array(2), i32(2)],
      [KCMP_FILE, i32(2), i32(2), i32(2)],
    ];
    const sort = addon().kcmpSort as (...a: unknown[]) => number;
    for (const args of bad) expect(() => sort(...args)).toThrow(/kcmpSort/);
  });
});

describe('a capture of a leak', () => {
  it('proves every open file once, in both fd tables', async () => {
    const snap = await captureProc({ pids: [fx.pid, child] });
    expect(snap.header.options.sharing).toBe('kcmp');
    const refs = new Map<number, number>();
    for (const f of snap.files) refs.set(f.ref, f.path === file ? 1 : 0);
    const byTable = snap.fdTables.map((t) => t.fds.filter((d) => refs.get(d.file) === 1));
    expect(byTable.map((fds) => fds.length).sort()).toEqual([N + N / 10, N + N / 10]);
    const [a, b] = byTable as [(typeof byTable)[0], (typeof byTable)[0]];
    // The child's fd n is the parent's fd n: one open file.
    const ofB = new Map(b.map((d) => [d.fd, d.file]));
    for (const d of a) expect(ofB.get(d.fd)).toBe(d.file);
    expect(new Set(a.map((d) => d.file)).size).toBe(N);
    expect(snap.files.filter((f) => refs.get(f.ref) === 1 && f.sharingInferred)).toHaveLength(0);
  });
});
