/**
 * Reads racing the owner's writes, for real: another process searches the
 * library in a loop while this one imports and removes images. Every
 * answer must be one state the library had (the set of images, each with
 * its own hit count and the label of the generation, which every change
 * rewrites), or the clean "changed while it was read" error; never a mix,
 * never "malformed".
 *
 * - As nobody, on a root-owned library (needs root; skipped otherwise):
 *   closed by its owner between writes, so the reader's connection is
 *   immutable (db.ts) and the Store checks the file around each read
 *   (index.ts, read()): a search loop; a verifyAll stopped midway while
 *   the owner changes the library (read again, or refused when it changes
 *   at every attempt); a long-lived reader sees each later change.
 * - As the same user, on a writable library (WAL): each search is one
 *   read transaction, so a commit between its statements is not half seen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from '../cli/run.js';
import { Store } from '../../src-main/store/index.js';
import { simBytes, T0 } from './helpers.js';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
const QUERY = 'fd:100-120';
const READER = join(__dirname, 'fixtures', 'race-reader.ts');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs');

/** A pool of images, each with its own hit count for QUERY (21 per process). */
const POOL = Array.from({ length: 6 }, (_, i) =>
  simBytes({ scenario: 'large', seed: 1, processes: 8 + i, fds: 2000, time: T0 + i * 3_600_000 }),
);

let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ckpt-race-'));
  chmodSync(work, 0o755);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Readable by all, writable by the owner only. */
function share(p: string): void {
  const st = statSync(p);
  chmodSync(p, st.isDirectory() ? 0o755 : 0o644);
  if (st.isDirectory()) for (const n of readdirSync(p)) share(join(p, n));
}

function answer(s: Store, query = QUERY): string {
  return s
    .search(query, { limit: 1_000_000, perImage: 1_000_000 })
    .groups.map((g) => `${g.image.id.slice(0, 12)}:${g.image.label}:${g.hitCount}${g.truncated ? '+' : ''}`)
    .sort()
    .join(' ');
}

/**
 * The owner: every change in a session of its own (open, write, close, as
 * `ckpt import` and `ckpt rm` do: the close checkpoints the WAL into
 * library.db and removes it), recording the state it leaves.
 */
class Owner {
  readonly states = new Set<string>();
  private held: string[] = [];
  private next = 0;
  constructor(
    readonly lib: string,
    readonly query = QUERY,
  ) {}

  private gen = 0;

  /**
   * Each import and each removal is one transaction that also labels every
   * image with the generation it makes ("gen N"): the state after each is
   * one the readers may see, and a search that read the image list of one
   * (search reads it first) and the labels of another (it reads them last)
   * gives an answer no state had.
   */
  session(fn: (s: Store, commit: (change: () => void) => void) => void): string {
    const s = Store.open(this.lib);
    let state = '';
    try {
      fn(s, (change) => {
        const label = `gen ${++this.gen}`;
        s.db.transaction(() => {
          change();
          s.db.prepare('UPDATE images SET label = ?').run(label);
        })();
        this.states.add((state = answer(s, this.query)));
      });
    } finally {
      s.close();
    }
    return state;
  }

  import(n = 1): string {
    return this.session((s, commit) => {
      for (let k = 0; k < n; k++) {
        const bytes = POOL[this.next++ % POOL.length]!;
        commit(() => {
          const id = s.importBytes(bytes).image.id;
          if (!this.held.includes(id)) this.held.push(id);
        });
      }
    });
  }

  /** Removes the oldest images it holds, keeping at least one. */
  remove(n = 1): string {
    return this.session((s, commit) => {
      for (let k = 0; k < n && this.held.length > 1; k++) {
        const id = this.held.shift()!;
        commit(() => s.deleteImage(id));
      }
    });
  }

  /** One step of the churn: alternately imports and removes two. */
  step(i: number): string {
    return i % 2 ? this.remove(2) : this.import(2);
  }
}

function reader(args: string[], asNobody: boolean): ChildProcess {
  return spawn(process.execPath, ['--import', TSX, READER, ...args], {
    cwd: work,
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(asNobody ? { uid: NOBODY, gid: NOBODY } : {}),
  });
}

interface LoopReport {
  n: number;
  immutable: number;
  answers: Record<string, number>;
  errors: Record<string, number>;
}

/** Runs the reader's search loop for `ms` while the owner churns; returns its report. */
async function race(owner: Owner, ms: number, reopen: number, asNobody: boolean, opts: { gap?: number } = {}): Promise<LoopReport> {
  const child = reader(['loop', owner.lib, owner.query, String(ms), String(reopen), String(opts.gap ?? 0)], asNobody);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  let exited = false;
  const done = new Promise<number | null>((res) => child.once('exit', (c) => ((exited = true), res(c))));
  // Churn until the reader is done; a pause between sessions lets it read a closed library too.
  for (let i = 0; !exited; i++) {
    owner.step(i);
    if (asNobody) share(owner.lib);
    await new Promise((r) => setTimeout(r, 10 + (i % 4) * 20));
  }
  expect(await done, err).toBe(0);
  // Closed by its owner with no reader in it: -wal and -shm are gone again.
  owner.session(() => {});
  return JSON.parse(out) as LoopReport;
}

function check(owner: Owner, r: LoopReport): void {
  const bad = Object.keys(r.answers).filter((a) => !owner.states.has(a));
  expect(bad, `answers that were never a state of the library (states: ${[...owner.states].join(' | ')})`).toEqual([]);
  for (const e of Object.keys(r.errors)) expect(e).toMatch(/^busy: the library .* changed while it was read; try again$/);
  // Most reads answered: the retries absorb nearly every change.
  const errors = Object.values(r.errors).reduce((a, b) => a + b, 0);
  expect(errors).toBeLessThan(r.n / 4);
  expect(r.n).toBeGreaterThan(10);
}

describe.skipIf(!isRoot)('a root-owned library read by nobody while root writes it', () => {
  it('every search gives a state the library had, or "changed while read"; never malformed', async () => {
    const lib = join(work, 'shared');
    mkdirSync(lib);
    const owner = new Owner(lib);
    owner.import(2);
    share(lib);
    // A new Store for every search, closed 20 ms before it (as a loop of `ckpt search` would: with no
    // reader in it, the owner's close removes -wal, and the next reader opens immutable), and one kept open throughout.
    const a = await race(owner, 2500, 1, true, { gap: 20 });
    check(owner, a);
    const b = await race(owner, 1500, 0, true);
    check(owner, b);
    // The library was closed by its owner at times: some reads were immutable ones.
    expect(a.immutable + b.immutable, JSON.stringify({ a, b })).toBeGreaterThan(0);
  }, 60_000);

  it('a read the owner changes the library under is read again, or refused once it keeps changing', async () => {
    const lib = join(work, 'paused');
    mkdirSync(lib);
    const owner = new Owner(lib);
    owner.import(3);
    share(lib);
    for (const pauses of [1, 5]) {
      const child = reader(['verify', lib, QUERY, String(pauses)], true);
      const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      const next = async () => JSON.parse((await lines.next()).value as string) as Record<string, unknown>;
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      try {
        expect(await next(), err).toEqual({ ready: true, immutable: true });
        let now = '';
        for (let p = 0; p < pauses; p++) {
          expect(await next(), err).toEqual({ paused: true });
          // Stopped inside verify's read, on an immutable connection: the owner removes one image and imports two
          // (the close checkpoints into library.db under the reader's page cache).
          owner.remove(1);
          now = owner.import(2);
          share(lib);
          child.stdin!.write('g');
        }
        const got = await next();
        if (pauses === 1) {
          // Read again from a new connection: the new state, whole.
          const n = now.match(/[0-9a-f]{12}:gen/g)!.length;
          expect(got, err).toEqual({ checked: n, ok: n, problems: 0, integrity: 'ok', answer: now });
        } else expect(got, err).toEqual({ error: `busy: the library ${lib} changed while it was read; try again` });
      } finally {
        child.stdin!.end();
        await new Promise((r) => child.once('exit', r));
      }
    }
  }, 60_000);

  it('a long-lived reader (the app, ckpt serve) sees what the owner did since its last call', async () => {
    const lib = join(work, 'long-lived');
    mkdirSync(lib);
    const owner = new Owner(lib);
    const first = owner.import(2);
    share(lib);
    const child = reader(['lines', lib, QUERY], true);
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const next = async () => JSON.parse((await lines.next()).value as string) as { answer?: string; immutable?: boolean; error?: string };
    try {
      expect((await next()).immutable).toBe(true);
      const ask = async () => {
        child.stdin!.write('\n');
        return next();
      };
      expect(await ask()).toEqual({ answer: first, immutable: true });
      for (const change of [() => owner.import(1), () => owner.remove(2), () => owner.import(3)]) {
        const now = change();
        share(lib);
        expect(await ask()).toEqual({ answer: now, immutable: true });
      }
      // The owner holds it open (as ckpt serve would): the reader moves to its -wal, and sees its commits there.
      const held = Store.open(lib);
      try {
        share(lib);
        expect(await ask()).toEqual({ answer: answer(held), immutable: false });
        held.deleteImage(held.listImages()[0]!.id);
        expect(await ask()).toEqual({ answer: answer(held), immutable: false });
      } finally {
        held.close();
      }
      // Closed, and written again in sessions of its own.
      const later = owner.import(2);
      share(lib);
      expect(await ask()).toEqual({ answer: later, immutable: false });
    } finally {
      child.stdin!.end();
      await new Promise((r) => child.once('exit', r));
    }
  }, 60_000);
});

describe('a writable library searched while another process writes it', () => {
  it('each search is one read: a state the library had, never a mix of two', async () => {
    const lib = join(work, 'writable');
    const owner = new Owner(lib);
    owner.import(2);
    const r = await race(owner, 2500, 0, false);
    check(owner, r);
    expect(r.errors).toEqual({});
    expect(r.immutable).toBe(0);
  }, 60_000);
});
