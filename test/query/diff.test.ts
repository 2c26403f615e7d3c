/** Diff against hand-built before/after snapshots whose every change is known. */
import { describe, expect, it } from 'vitest';
import { O, bstrToJson, displayBStr, type BStr, type Snapshot } from '../../src-shared/model/index.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { simulate } from '../../src-main/sim/index.js';
import { newBuilder } from '../../src-main/sim/scenarios.js';
import { fixSocketPaths, openFile, stdNull } from '../../src-main/sim/common.js';
import { simHeader, withStore, T0 } from '../store/helpers.js';
import type { Store } from '../../src-main/store/index.js';
import { diffText } from '../../src-main/report/text.js';
import { diffDoc } from '../../src-main/report/build.js';
import { diffRows } from '../../src-shared/api/diff-rows.js';

const header = simHeader;

type Builder = ReturnType<typeof newBuilder>;
type Proc = ReturnType<Builder['process']>;

/** The same listening socket in both images: same inode, so the same readlink text. */
function listen(p: Proc, at: number): void {
  p.open(
    'inet-socket',
    {
      ino: 777,
      mode: 0o140777,
      dev: 8,
      flags: O.O_RDWR | O.O_NONBLOCK,
      attrs: { proto: 'tcp', family: 4, state: 'LISTEN', localAddr: '0.0.0.0', localPort: 80, remoteAddr: '0.0.0.0', remotePort: 0 },
    },
    { at },
  );
}

function before(): Snapshot {
  const b = newBuilder('diff', 1);
  const app = b.process({ pid: 100, ppid: 1, comm: 'app', cmdline: ['app', '--serve'] });
  stdNull(app);
  openFile(app, '/var/log/app.log', { flags: O.O_WRONLY | O.O_APPEND, pos: 1000, at: 3 });
  openFile(app, '/data/db', { flags: O.O_RDWR, at: 4 });
  listen(app, 5);
  openFile(app, '/tmp/x', { at: 6 });
  const helper = b.process({ pid: 200, ppid: 1, comm: 'helper', cmdline: ['helper'] });
  stdNull(helper);
  b.process({ pid: 300, ppid: 1, comm: 'gone', cmdline: ['gone'] });
  const t1 = b.process({ pid: 500, ppid: 1, comm: 'pair', cmdline: ['pair', 'a'] });
  stdNull(t1);
  b.process({ pid: 501, ppid: 500, comm: 'pair', cmdline: ['pair', 'b'] });
  fixSocketPaths(b.files);
  return b.snapshot(header(T0));
}

function after(): Snapshot {
  const b = newBuilder('diff', 1);
  const app = b.process({ pid: 100, ppid: 1, comm: 'app', cmdline: ['app', '--serve'] });
  stdNull(app);
  openFile(app, '/var/log/app.log', { flags: O.O_WRONLY | O.O_APPEND, pos: 1500, at: 3 }); // pos +500
  // fd 4 closed
  listen(app, 5); // unchanged
  openFile(app, '/tmp/x', { at: 6, cloexec: true }); // close-on-exec set
  openFile(app, '/var/log/new.log', { at: 7 }); // opened
  const helper = app.fork({ pid: 200, comm: 'helper', cmdline: ['helper'] });
  for (const fd of [3, 5, 6, 7]) helper.close(fd); // keeps 0-2, now the same open file as app's
  b.process({ pid: 400, ppid: 1, comm: 'new', cmdline: ['new'] });
  const t1 = b.process({ pid: 500, ppid: 1, comm: 'pair', cmdline: ['pair', 'a'] });
  stdNull(t1);
  t1.clone(501, { comm: 'pair', process: true }).cmdline = ['pair', 'b'];
  fixSocketPaths(b.files);
  return b.snapshot(header(T0 + 60_000));
}

function importBoth(s: Store, a: Snapshot, b: Snapshot): [string, string] {
  return [s.importBytes(encodeSnapshot(a), { label: 'A' }).image.id, s.importBytes(encodeSnapshot(b), { label: 'B' }).image.id];
}

describe('diff', () => {
  it('reports every known change, summary first', () =>
    withStore((s) => {
      const A = before();
      const B = after();
      const [a, b] = importBoth(s, A, B);
      const d = s.diff(a, b);
      expect(d.matching).toBe('pid');
      expect(d.appeared.map((t) => t.pid)).toEqual([400]);
      expect(d.vanished.map((t) => t.pid)).toEqual([300]);
      const app = d.tasks.find((t) => t.before.pid === 100)!;
      expect(app.opened.map((f) => [f.fd, f.target])).toEqual([[7, '/var/log/new.log']]);
      expect(app.closed.map((f) => [f.fd, f.target])).toEqual([[4, '/data/db']]);
      const byFd = new Map(app.changed.map((c) => [c.fd, c]));
      expect(byFd.get(3)!.changes.map((c) => c.field)).toEqual(['pos']);
      expect(byFd.get(3)!.posDelta).toBe(500);
      expect(byFd.get(6)!.changes).toEqual([{ field: 'cloexec', before: 'no', after: 'yes' }]);
      expect(byFd.has(5)).toBe(false);
      expect(app.changed).toHaveLength(2);
      // fds 0-2 are one open file (dup'd /dev/null), so each is now shared with all three of the helper's.
      const std = (pid: number) => [0, 1, 2].map((fd) => ({ pid, fd }));
      expect(app.sharingStarted.map((c) => [c.fd, c.with])).toEqual([0, 1, 2].map((fd) => [fd, std(200)]));
      const helper = d.tasks.find((t) => t.before.pid === 200)!;
      expect(helper.sharingStarted.map((c) => c.with)).toEqual([std(100), std(100), std(100)]);
      expect(d.tables).toEqual([{ change: 'became-shared', pids: [500, 501] }]);
      // 501 now uses 500's table: its fds 0-2 appear, and 500's 0-2 become shared with 501.
      expect(d.tasks.find((t) => t.before.pid === 501)!.opened.map((f) => f.fd)).toEqual([0, 1, 2]);
      expect(d.tasks.find((t) => t.before.pid === 500)!.sharingStarted.map((c) => c.with)).toEqual([std(501), std(501), std(501)]);
      expect(d.summary).toEqual({
        tasksAppeared: 1,
        tasksVanished: 1,
        tasksChanged: 4,
        fdsOpened: 1 + 3,
        fdsClosed: 1,
        fdsChanged: 2,
        sharingStarted: 6 + 3,
        sharingEnded: 0,
        tablesBecameShared: 1,
        tablesSplit: 0,
        fdLimitsChanged: 0,
      });
      // The other way round: the table split, the sharing ended.
      const r = s.diff(b, a);
      expect(r.tables).toEqual([{ change: 'split', pids: [500, 501] }]);
      expect(r.summary.sharingEnded).toBe(9);
      expect(r.tasks.find((t) => t.before.pid === 100)!.changed.find((c) => c.fd === 3)!.posDelta).toBe(-500);
    }));

  it('lists fd limits that changed, where both images recorded them', () =>
    withStore((s) => {
      const A = before();
      const B = after();
      const task = (snap: Snapshot, pid: number) => snap.tasks.find((t) => t.pid === pid)!;
      task(B, 100).fdLimit = { soft: 4096, hard: 4096 }; // raised (prlimit); it holds fds 0-3 and 5-7
      task(B, 200).fdLimit = { soft: 1024, hard: null }; // hard limit now unlimited
      task(A, 500).fdLimit = null; // not recorded before: not a change
      task(B, 501).fdLimit = { soft: 1024, hard: 524288 }; // the default both times: not a change
      const [a, b] = importBoth(s, A, B);
      const d = s.diff(a, b);
      expect(d.limits).toEqual([
        { pid: 100, beforePid: 100, commText: 'app', fds: 7, before: { soft: 1024, hard: 524288 }, after: { soft: 4096, hard: 4096 } },
        { pid: 200, beforePid: 200, commText: 'helper', fds: 3, before: { soft: 1024, hard: 524288 }, after: { soft: 1024, hard: null } },
      ]);
      expect(d.summary.fdLimitsChanged).toBe(2);
      const text = diffText(d);
      expect(text).toContain('fd limits: 2 changed');
      expect(text).toContain('~ task 100 app: fd limit soft 1024, hard 524288 -> soft 4096, hard 4096 (7 fds)');
      expect(text).toContain('~ task 200 helper: fd limit soft 1024, hard 524288 -> soft 1024, hard unlimited (3 fds)');
      const rows = diffDoc(d).tables[0]!.rows.filter((r) => r[0] === 'fd limit changed');
      expect(rows).toEqual([
        ['fd limit changed', '100', '100', 'app', '', 'fd limit', 'soft 1024, hard 524288', 'soft 4096, hard 4096 (7 fds)'],
        ['fd limit changed', '200', '200', 'helper', '', 'fd limit', 'soft 1024, hard 524288', 'soft 1024, hard unlimited (3 fds)'],
      ]);
    }));

  it("writes a process without a command line (a CRIU dump's) as its comm alone, and says gone, as the app does", () =>
    withStore((s) => {
      const A = before();
      const B = after();
      const gone = A.tasks.find((t) => !B.tasks.some((x) => x.pid === t.pid))!;
      gone.cmdline = [];
      const text = diffText(s.diff(...importBoth(s, A, B)));
      expect(text).toMatch(/^tasks: \d+ appeared, 1 gone, \d+ changed$/m);
      // A changed fd is named, as an opened or closed one is.
      expect(text).toContain('  ~ fd 3 /var/log/app.log: pos 1000 -> 1500 (+500)');
      expect(text).toMatch(new RegExp(`^- task ${gone.pid} ${displayBStr(gone.comm)} \\(\\d+ fds\\)$`, 'm'));
    }));

  it('pairs processes by command line after a restart changed the pids', () =>
    withStore((s) => {
      const A = simulate({ scenario: 'web-server', seed: 1, time: T0 });
      const B = simulate({ scenario: 'web-server', seed: 1, time: T0 + 1000 });
      for (const t of B.tasks) {
        t.pid += 1000;
        t.tgid += 1000;
      }
      const [a, b] = importBoth(s, A, B);
      const d = s.diff(a, b);
      expect(d.matching).toBe('command');
      expect(d.appeared).toEqual([]);
      expect(d.vanished).toEqual([]);
      expect(d.tasks).toEqual([]);
      const forced = s.diff(a, b, { matching: 'pid' });
      expect(forced.matching).toBe('pid');
      expect(forced.appeared).toHaveLength(B.tasks.length);
    }));

  it('processes without a command line pair by comm, never with each other at random', () =>
    withStore((s) => {
      // Kernel threads, and every process of a CRIU dump, have no command line.
      const build = (base: number, comms: string[], time: number) => {
        const b = newBuilder('diff', 1);
        comms.forEach((comm, i) => stdNull(b.process({ pid: base + i, ppid: 1, comm, cmdline: [] })));
        return b.snapshot(header(time));
      };
      const [a, b] = importBoth(s, build(100, ['kworker', 'server', 'cron'], T0), build(900, ['cron', 'server', 'sshd'], T0 + 1000));
      const d = s.diff(a, b, { matching: 'command' });
      expect(d.vanished.map((t) => t.commText)).toEqual(['kworker']);
      expect(d.appeared.map((t) => t.commText)).toEqual(['sshd']);
      expect(d.tasks).toEqual([]);
      // And the automatic choice takes command pairing here too: pids all changed.
      expect(s.diff(a, b).matching).toBe('command');
    }));

  it('names every fd exactly when thousands changed (strings read in bulk)', () =>
    withStore((s) => {
      // 3,000 renamed files: past the point where diff reads every name in
      // one go. Names with bytes that are not UTF-8, quotes, controls, bidi.
      const odd = (k: number): BStr =>
        k % 3 === 0
          ? new Uint8Array([0x2f, 0x78, 0xff, 0xfe, 0x30 + (k % 10), 0x2e, ...new TextEncoder().encode(String(k))])
          : k % 3 === 1
            ? `/q/"${k}"\\\t\u202e.log`
            : `/n/${k}\u0001\n`;
      const build = (shift: number, time: number) => {
        const b = newBuilder('diff', 1);
        const p = b.process({ pid: 100, ppid: 1, comm: 'many', cmdline: ['many'] });
        for (let k = 0; k < 3000; k++) openFile(p, odd(k + shift), { at: 3 + k });
        return b.snapshot(header(time));
      };
      const [a, b] = importBoth(s, build(0, T0), build(1, T0 + 1000));
      const d = s.diff(a, b);
      const changed = d.tasks[0]!.changed;
      expect(changed).toHaveLength(3000);
      for (const c of changed) {
        const k = c.fd - 3;
        expect(c.before.path).toEqual(bstrToJson(odd(k)));
        expect(c.after.path).toEqual(bstrToJson(odd(k + 1)));
        expect(c.before.target).toBe(displayBStr(odd(k)));
        expect(c.changes.find((x) => x.field === 'target')).toEqual({
          field: 'target',
          before: displayBStr(odd(k)),
          after: displayBStr(odd(k + 1)),
        });
      }
    }));

  it('says a timer that ticked or a socket that closed changed state, not target, naming what moved', () =>
    withStore((s) => {
      const snap = (ticks: number, state: string, count: number) => {
        const b = newBuilder('state', 1);
        const p = b.process({ pid: 100, ppid: 1, comm: 'svc', cmdline: ['svc'] });
        stdNull(p);
        p.open(
          'timerfd',
          { ino: 9, mode: 0o600, dev: 13, flags: O.O_RDWR, attrs: { clockid: 1, ticks, settimeFlags: 0, valueNs: 0, intervalNs: 5e9 } },
          { at: 3 },
        );
        p.open(
          'inet-socket',
          {
            ino: 778,
            mode: 0o140777,
            dev: 8,
            flags: O.O_RDWR,
            attrs: { proto: 'tcp', family: 4, state, localAddr: '10.0.0.1', localPort: 5000, remoteAddr: '10.0.0.2', remotePort: 5432 },
          },
          { at: 4 },
        );
        p.open('eventfd', { ino: 9, mode: 0o600, dev: 13, flags: O.O_RDWR, attrs: { count, id: 7, semaphore: false } }, { at: 5 });
        fixSocketPaths(b.files);
        return b.snapshot(header(T0));
      };
      const d = s.diff(...importBoth(s, snap(0, 'ESTABLISHED', 3), snap(1, 'CLOSE_WAIT', 3)));
      const changed = d.tasks[0]!.changed;
      expect(changed.map((c) => [c.fd, c.changes])).toEqual([
        [3, [{ field: 'state', before: 'ticks 0', after: 'ticks 1' }]],
        [4, [{ field: 'state', before: 'state ESTABLISHED', after: 'state CLOSE_WAIT' }]],
      ]);
      const text = diffText(d);
      expect(text).toContain('  ~ fd 3 timerfd');
      expect(text).toMatch(/^ {2}~ fd 3 .*: state ticks 0 -> ticks 1$/m);
      expect(text).not.toContain('target');
      // The Diff view's rows: marked state, the note saying what moved (both targets read the same).
      const rows = diffRows(d).rows.filter((r) => r.type === 'fd');
      expect(rows.map((r) => [r.changes, r.fields, r.note])).toEqual([
        [['state'], ['state'], 'ticks 0 → ticks 1'],
        [['state'], ['state'], 'state ESTABLISHED → state CLOSE_WAIT'],
      ]);
    }));

  it('a field one image does not record is no change of state: a 1.6 image against a 1.7 one', () =>
    withStore((s) => {
      // Blocks and a unix listener's backlog known (1.7) or not (older images, a stat that gave none).
      const snap = (known: boolean, blocks: number) => {
        const b = newBuilder('known', 1);
        const p = b.process({ pid: 100, ppid: 1, comm: 'svc', cmdline: ['svc'] });
        stdNull(p);
        p.open(
          'regular',
          {
            path: '/var/log/svc.log',
            ino: 50,
            mode: 0o100644,
            dev: 8,
            flags: O.O_WRONLY,
            attrs: known ? { blocksKnown: true, blocks } : {},
          },
          { at: 3 },
        );
        p.open(
          'unix-socket',
          {
            ino: 60,
            mode: 0o140777,
            dev: 8,
            flags: O.O_RDWR,
            attrs: {
              type: 'stream',
              state: 'LISTEN',
              name: '/run/svc.sock',
              peer: 0,
              listening: true,
              backlogKnown: known,
              backlog: known ? 128 : 0,
            },
          },
          { at: 4 },
        );
        fixSocketPaths(b.files);
        return b.snapshot(header(T0));
      };
      const d = s.diff(...importBoth(s, snap(false, 0), snap(true, 8)));
      expect(d.summary.fdsChanged).toBe(0);
      expect(d.summary.tasksChanged).toBe(0);
      expect(d.tasks).toEqual([]);
      // Between two images that record them, blocks that grew are a change of state.
      const grew = s.diff(...importBoth(s, snap(true, 8), snap(true, 16)));
      expect(grew.tasks[0]!.changed.map((c) => [c.fd, c.changes])).toEqual([
        [3, [{ field: 'state', before: 'blocks 8', after: 'blocks 16' }]],
      ]);
    }));

  it("a memfd's blocks (1.8) are compared only where both images record them: the memory it holds that grew is a change of state", () =>
    withStore((s) => {
      const snap = (known: boolean, blocks: number) => {
        const b = newBuilder('memfd', 1);
        const p = b.process({ pid: 100, ppid: 1, comm: 'svc', cmdline: ['svc'] });
        stdNull(p);
        p.open(
          'memfd',
          {
            path: '/memfd:cache',
            ino: 70,
            mode: 0o100777,
            dev: 1,
            size: 2 ** 30,
            deleted: true,
            flags: O.O_RDWR,
            attrs: known ? { name: 'cache', blocksKnown: true, blocks } : { name: 'cache' },
          },
          { at: 3 },
        );
        return b.snapshot(header(T0));
      };
      // An image without memfd blocks (before 1.8) against one with them: nothing changed.
      const d = s.diff(...importBoth(s, snap(false, 0), snap(true, 8)));
      expect(d.summary.fdsChanged).toBe(0);
      expect(d.tasks).toEqual([]);
      const grew = s.diff(...importBoth(s, snap(true, 8), snap(true, 2048)));
      expect(grew.tasks[0]!.changed.map((c) => [c.fd, c.changes])).toEqual([
        [3, [{ field: 'state', before: 'blocks 8', after: 'blocks 2048' }]],
      ]);
    }));

  it("a state change's values are shown escaped: a unix socket bound meanwhile to a hostile name", () =>
    withStore((s) => {
      const snap = (name: BStr) => {
        const b = newBuilder('bound', 1);
        const p = b.process({ pid: 100, ppid: 1, comm: 'svc', cmdline: ['svc'] });
        stdNull(p);
        p.open(
          'unix-socket',
          {
            ino: 61,
            mode: 0o140777,
            dev: 8,
            flags: O.O_RDWR,
            attrs: { type: 'stream', state: 'UNCONNECTED', name, peer: 0, listening: false },
          },
          { at: 3 },
        );
        fixSocketPaths(b.files);
        return b.snapshot(header(T0));
      };
      const d = s.diff(...importBoth(s, snap(''), snap('/run/a\u202e\nb')));
      expect(d.tasks[0]!.changed[0]!.changes).toEqual([{ field: 'state', before: 'name ', after: 'name /run/a\\u202e\\nb' }]);
      const bytes = s.diff(...importBoth(s, snap(''), snap(new Uint8Array([0x2f, 0x72, 0xff]))));
      expect(bytes.tasks[0]!.changed[0]!.changes).toEqual([{ field: 'state', before: 'name ', after: 'name /r\\xff' }]);
    }));

  it('an image against itself has no changes', () =>
    withStore((s) => {
      const id = s.importBytes(encodeSnapshot(simulate({ scenario: 'everything', time: T0 }))).image.id;
      const d = s.diff(id, id);
      expect(Object.values(d.summary).every((n) => n === 0)).toBe(true);
    }));

  it('reports big position moves exactly', () =>
    withStore((s) => {
      const A = simulate({ scenario: 'everything', time: T0 });
      const B = simulate({ scenario: 'everything', time: T0 + 1 });
      const f = B.files.find((x) => x.path === '/var/lib/huge.img')!;
      f.pos = 2n ** 61n + 9n;
      const [a, b] = importBoth(s, A, B);
      const c = s.diff(a, b).tasks[0]!.changed[0]!;
      expect(c.changes[0]).toMatchObject({ field: 'pos', before: String(2n ** 60n + 7n), after: String(2n ** 61n + 9n) });
      expect(c.posDelta).toBe(String(2n ** 61n + 9n - (2n ** 60n + 7n)));
    }));

  it('rejects a bad matching option', () =>
    withStore((s) => {
      const id = s.importBytes(encodeSnapshot(simulate({ scenario: 'pipeline', time: T0 }))).image.id;
      expect(() => s.diff(id, id, { matching: 'nope' as 'pid' })).toThrow(/matching/);
    }));
});
