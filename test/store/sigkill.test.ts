/**
 * Atomic import under SIGKILL: the real CLI imports real images and is
 * killed at random instants; afterwards the database passes its integrity
 * check, every image present is whole (bytes and every index row), and
 * nothing is left half-written.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Store, sha256 } from '../../src-main/store/index.js';
import { simBytes } from './helpers.js';

const root = join(__dirname, '..', '..');
const KILLS = 24;
let dir: string;
const files: string[] = [];
const shas = new Set<string>();

function runImport(
  home: string,
  args: string[],
  killAfterMs: number | null,
): Promise<{ signal: NodeJS.Signals | null; code: number | null }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(root, 'out', 'cli', 'ckpt.mjs'), 'import', '--home', home, ...args], { stdio: 'ignore' });
    let timer: NodeJS.Timeout | undefined;
    if (killAfterMs !== null) timer = setTimeout(() => p.kill('SIGKILL'), killAfterMs);
    p.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

beforeAll(() => {
  // Build the CLI bundle once (bin/ckpt.mjs rebuilds when sources changed), then run the bundle directly.
  const b = spawnSync(process.execPath, [join(root, 'bin', 'ckpt.mjs'), '--version'], { encoding: 'utf8' });
  expect(b.status).toBe(0);
  dir = mkdtempSync(join(tmpdir(), 'ckpt-sigkill-'));
  for (let seed = 1; seed <= 24; seed++) {
    const bytes = simBytes({ scenario: 'large', processes: 10, fds: 2000, seed });
    const f = join(dir, `img-${seed}.ckpt`);
    writeFileSync(f, bytes);
    files.push(f);
    shas.add(sha256(bytes));
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('import killed with SIGKILL at random instants', () => {
  it('leaves each image whole or absent, and a sound database', async () => {
    const home = join(dir, 'home');
    // Calibrate: how long one uninterrupted import of three images takes
    // here, and how long the CLI takes to start and open the library (a
    // duplicate: start, open, hash, done), so we can count the kills that
    // landed while an import was really running. Medians of three, so one
    // run slowed by a busy moment does not skew every delay below.
    let cals = 0;
    /** One import into a fresh library (`into` none) or into `into`, timed. */
    const timed = async (args: string[], into?: string) => {
      const t = performance.now();
      expect((await runImport(into ?? join(dir, `cal-${++cals}`), args, null)).code).toBe(0);
      return performance.now() - t;
    };
    const median3 = async (run: () => Promise<number>) => [await run(), await run(), await run()].sort((x, y) => x - y)[1]!;
    const full = await median3(() => timed(files.slice(0, 3)));
    const startup = await median3(() => timed([files[0]!], join(dir, 'cal-1')));

    let killed = 0;
    let midImport = 0;
    let seed = 12345;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    // Keep going until KILLS runs really died by the signal (a run that finished first does not count).
    for (let i = 0; killed < KILLS && i < KILLS * 4; i++) {
      const pick = [0, 1, 2].map(() => files[Math.floor(rand() * files.length)]!);
      const delay = Math.floor(rand() * full * 0.95);
      const res = await runImport(home, pick, delay);
      if (res.signal === 'SIGKILL') {
        killed++;
        if (delay > startup) midImport++;
      }
    }
    expect(killed).toBeGreaterThanOrEqual(KILLS);
    expect(midImport).toBeGreaterThanOrEqual(KILLS / 2);

    // Before anything repairs it: SQLite's own check on the raw file.
    const raw = new Database(join(home, 'library.db'), { readonly: true });
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    const rowsBefore = raw
      .prepare('SELECT sha256, n_fds, (SELECT count(*) FROM fds WHERE image_id = images.id) AS fds FROM images')
      .all() as { sha256: string; n_fds: number; fds: number }[];
    raw.close();
    for (const row of rowsBefore) {
      expect(shas.has(row.sha256)).toBe(true);
      expect(row.fds).toBe(row.n_fds);
    }

    // Opening recovers: every image present is whole, no leftovers.
    const s = Store.open(home);
    const v = s.verifyAll();
    expect(v.integrity).toBe('ok');
    expect(v.problems).toEqual([]);
    expect(v.checked).toBe(rowsBefore.length);
    expect(readdirSync(join(home, 'tmp'))).toEqual([]);
    s.close();

    // And the library still works: importing everything completes it.
    const fin = await runImport(home, files, null);
    expect(fin.code).toBe(0);
    const s2 = Store.open(home);
    expect(new Set(s2.listImages().map((i) => i.id))).toEqual(shas);
    expect(s2.verifyAll()).toMatchObject({ ok: shas.size, problems: [], integrity: 'ok' });
    s2.close();
  }, 120_000);
});
