/**
 * A shared library owned by root, readable by everyone: every command that
 * only reads it works for another user (nobody), whether the owner has it
 * open (its -wal and -shm exist) or not (they do not, and cannot be made);
 * the ones that would change it fail, naming the path and the missing
 * permission, and change nothing. Needs root (to own the library and drop
 * to nobody); skipped otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CKPT, ROOT } from '../cli/run.js';
import { Store, StoreError } from '../../src-main/store/index.js';
import { simBytes, tempHome } from './helpers.js';

const BUNDLE = join(ROOT, 'out', 'cli', 'ckpt.mjs');
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

let work: string;
let lib: string;
let ids: string[] = [];

function ckpt(args: string[], as: 'root' | 'nobody' = 'nobody') {
  const r = spawnSync(process.execPath, [as === 'root' ? CKPT : BUNDLE, ...args, '--home', lib], {
    cwd: work,
    env: { ...process.env, CKPT_HOME: lib },
    ...(as === 'nobody' ? { uid: NOBODY, gid: NOBODY } : {}),
    maxBuffer: 64 << 20,
    timeout: 60_000,
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8') };
}

/** Every file of the library with its size and mtime: what a refused command must leave alone. */
function listing(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out.push(`${p} ${st.size} ${st.mtimeMs}`);
    }
  };
  walk(lib);
  return out;
}

beforeAll(() => {
  if (!isRoot) return;
  work = mkdtempSync(join(tmpdir(), 'ckpt-shared-lib-'));
  chmodSync(work, 0o755);
  lib = join(work, 'lib');
  const out = join(work, 'out');
  mkdirSync(out);
  chmodSync(out, 0o777);
  // As root: builds the bundle (nobody cannot write it) and fills the library.
  for (const [sim, t] of [
    ['web-server', '2026-11-20T10:00:00Z'],
    ['web-server', '2026-11-20T11:00:00Z'],
    ['database', '2026-11-20T12:00:00Z'],
  ] as const) {
    const r = ckpt(['capture', '--sim', sim, '--seed', t.slice(11, 13), '--time', t, '--store', '--label', sim], 'root');
    expect(r.code, r.err).toBe(0);
    ids.push(r.out.trim());
  }
  ids = ids.map((id) => id.slice(0, 12));
  // Readable by all, writable by root only (what a umask of 022 gives, made sure).
  const open = (p: string) => {
    const st = statSync(p);
    chmodSync(p, st.isDirectory() ? 0o755 : 0o644);
    if (st.isDirectory()) for (const n of readdirSync(p)) open(join(p, n));
  };
  open(lib);
  // The owner's last close removed -wal and -shm: nobody cannot create them.
  expect(existsSync(join(lib, 'library.db-wal'))).toBe(false);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!isRoot)('a library another user owns, readable by all', () => {
  const reads = (): [string, string[], RegExp][] => [
    ['list', ['list'], /database/],
    ['search', ['search', 'port:443', 'state:listen'], /0\.0\.0\.0:443 LISTEN/],
    ['search --json', ['search', 'label:database', 'user:root', '--json'], /"hitCount"/],
    ['search --holders', ['search', '--holders', 'lport:80'], /holder/],
    ['show', ['show', ids[0]!], /4 tasks/],
    ['diff', ['diff', ids[0]!, ids[1]!], /fds:/],
    ['timeline', ['timeline', '--label', 'web-server'], /timeline of/],
    ['export', ['export', 'search', 'kind:socket', '--format', 'md', '-o', join(work, 'out', 'r.md')], /wrote/],
    ['verify --all', ['verify', '--all'], /3\/3 images ok.*integrity: ok/],
  ];

  it('every read-only command works for nobody while nobody else has it open', () => {
    const before = listing();
    for (const [name, args, want] of reads()) {
      const r = ckpt(args);
      expect(r.err, name).not.toMatch(/cannot|read-?only|error/i);
      expect(r.code, name).toBe(0);
      expect(r.out + r.err, name).toMatch(want);
    }
    expect(listing()).toEqual(before);
  });

  it('commands that change it fail with the path and the missing permission, and change nothing', () => {
    const before = listing();
    const file = join(work, 'out', 'x.ckpt');
    expect(ckpt(['capture', '--sim', 'pipeline', '-o', file]).code).toBe(0);
    for (const args of [
      ['import', file],
      ['tag', ids[0]!, 'x'],
      ['label', ids[0]!, 'y'],
      ['note', ids[0]!, 'z'],
      ['rm', ids[0]!],
      ['capture', '--sim', 'pipeline', '--store'],
    ]) {
      const r = ckpt(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err, args.join(' ')).toContain(
        `the library ${lib} is read-only here: user nobody (uid ${NOBODY}) has no write permission on ${lib}`,
      );
      expect(r.err.split('\n').filter(Boolean), args.join(' ')).toHaveLength(1);
    }
    expect(listing()).toEqual(before);
  });

  it('reads what the owner committed while the owner holds it open', async () => {
    // The owner's connection keeps -wal and -shm; nobody reads through them (read-only -shm).
    const holder: ChildProcess = spawn(
      process.execPath,
      [
        '-e',
        `const D = require(${JSON.stringify(join(ROOT, 'node_modules', 'better-sqlite3'))});
         const d = new D(${JSON.stringify(join(lib, 'library.db'))});
         d.pragma('journal_mode = WAL');
         d.prepare("UPDATE images SET note = 'committed, not checkpointed'").run();
         process.stdout.write('ready\\n');
         process.stdin.on('data', () => { d.close(); process.exit(0); });`,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((res, rej) => {
        holder.stdout!.once('data', () => res());
        holder.once('exit', (c) => rej(new Error(`holder exited ${c}`)));
      });
      expect(existsSync(join(lib, 'library.db-wal'))).toBe(true);
      const r = ckpt(['list', '--json']);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain('committed, not checkpointed');
      expect(ckpt(['search', 'port:5432']).code).toBe(0);
      expect(ckpt(['tag', ids[0]!, 'x']).code).toBe(1);
    } finally {
      holder.stdin!.write('x');
      await new Promise((res) => holder.once('exit', res));
    }
    // Closed again: back to the immutable read, which sees the checkpointed note.
    expect(existsSync(join(lib, 'library.db-wal'))).toBe(false);
    expect(ckpt(['list', '--json']).out).toContain('committed, not checkpointed');
  });
});

describe('a store opened read-only', () => {
  it('refuses every change with a StoreError saying why, and still answers queries', () => {
    const h = tempHome();
    try {
      const w = Store.open(h.home);
      const id = w.importBytes(simBytes({ scenario: 'web-server' })).image.id;
      w.close();
      const r = Store.open(h.home, { readonly: true });
      try {
        expect(r.readOnlyReason).toBe('it was opened read-only');
        for (const f of [
          () => r.setLabel(id, 'x'),
          () => r.setTags(id, ['x']),
          () => r.setNote(id, 'x'),
          () => r.deleteImage(id),
          () => r.importBytes(simBytes({ scenario: 'pipeline' })),
        ]) {
          expect(f).toThrow(StoreError);
          expect(f).toThrow(`the library ${h.home} is read-only here: it was opened read-only`);
        }
        expect(r.search('port:443').hitCount).toBe(4);
        expect(r.listImages()).toHaveLength(1);
      } finally {
        r.close();
      }
    } finally {
      h.cleanup();
    }
  });
});

describe.skipIf(!isRoot)('a library on a read-only file system (root)', () => {
  it('says the file system is read-only, not that root lacks permission, and still answers queries', () => {
    const home = mkdtempSync(join(tmpdir(), 'ckpt-rofs-'));
    if (spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', home]).status !== 0) return; // no mount here (a container without the capability)
    try {
      const w = Store.open(home);
      const id = w.importBytes(simBytes({ scenario: 'web-server' })).image.id;
      w.close();
      expect(spawnSync('mount', ['-o', 'remount,ro', home]).status).toBe(0);
      const r = Store.open(home);
      try {
        expect(r.readOnlyReason).toBe(`${home} is on a read-only file system`);
        expect(() => r.setTags(id, ['x'])).toThrow(`the library ${home} is read-only here: ${home} is on a read-only file system`);
        expect(r.listImages()).toHaveLength(1);
        expect(r.search('port:443').hitCount).toBe(4);
      } finally {
        r.close();
      }
    } finally {
      spawnSync('umount', [home]);
      rmSync(home, { recursive: true, force: true });
    }
  });
});
