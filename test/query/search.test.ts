/**
 * Search against simulations, checked against an oracle that evaluates the
 * same terms directly on the decoded snapshots.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryError } from './query-error.js';
import { describeFile, displayBStr, holders, type Snapshot } from '../../src-shared/model/index.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { simulate } from '../../src-main/sim/index.js';
import { QueryError, Store } from '../../src-main/store/index.js';
import { globToRegExp, parseQuery } from '../../src-main/query/parse.js';
import { KIND_GROUPS } from '../../src-shared/kinds/index.js';
import { flagByName } from '../../src-shared/model/index.js';
import { eachFindsExactly, hitKeys, rowKeys } from './oracle.js';
import { tempHome, T0 } from '../store/helpers.js';

interface Row {
  image: string;
  pid: number;
  comm: string;
  fd: number;
  kind: string;
  path: string;
  flags: number;
  deleted: boolean;
  shared: boolean;
  cloexec: boolean;
}

let store: Store;
let cleanup: () => void;
const rows: Row[] = [];

function flatten(label: string, s: Snapshot): void {
  const files = new Map(s.files.map((f) => [f.ref, f]));
  const { fileHolders } = holders(s);
  for (const t of s.tasks) {
    if (t.pid !== t.tgid || !t.fdTable) continue;
    const table = s.fdTables.find((x) => x.ref === t.fdTable)!;
    for (const d of table.fds) {
      const f = files.get(d.file)!;
      rows.push({
        image: label,
        pid: t.pid,
        comm: displayBStr(t.comm),
        fd: d.fd,
        kind: f.kind,
        path: displayBStr(f.path),
        flags: f.flags,
        deleted: f.deleted,
        shared: new Set((fileHolders.get(d.file) ?? []).map((h) => h.pid)).size > 1,
        cloexec: d.cloexec,
      });
    }
  }
}

beforeAll(() => {
  const h = tempHome();
  cleanup = h.cleanup;
  store = Store.open(h.home);
  let i = 0;
  for (const scenario of ['web-server', 'pipeline', 'threads', 'database', 'everything'])
    for (const seed of [1, 2]) {
      const snap = simulate({ scenario, seed, time: T0 + i++ * 60_000 });
      const label = `${scenario}-${seed}`;
      store.importBytes(encodeSnapshot(snap), { label, tags: [scenario] });
      flatten(label, snap);
    }
  for (let step = 1; step <= 3; step++) {
    const snap = simulate({ scenario: 'leaky', step, time: T0 + 3_600_000 * step });
    store.importBytes(encodeSnapshot(snap), { label: `leaky-${step}`, tags: ['leaky'] });
    flatten(`leaky-${step}`, snap);
  }
});

afterAll(() => {
  store.close();
  cleanup();
});

const got = (q: string): string[] => hitKeys(store, q);
const want = (pred: (r: Row) => boolean): string[] => rowKeys(rows, pred);

const kinds = (...ks: string[]) => ks.flatMap((k) => KIND_GROUPS[k] ?? [k]);

describe('search', () => {
  const cases: [string, (r: Row) => boolean][] = [
    ['kind:socket', (r) => kinds('socket').includes(r.kind)],
    ['kind:pipe comm:cat', (r) => r.kind === 'pipe' && r.comm.includes('cat')],
    ['deleted:yes', (r) => r.deleted],
    ['shared:yes kind:regular', (r) => r.shared && r.kind === 'regular'],
    ['flags:O_WRONLY,O_APPEND', (r) => (r.flags & 3) === 1 && (r.flags & 0o2000) !== 0],
    ['/var/log', (r) => r.path.includes('/var/log')],
    ['*.log', (r) => /\.log$/.test(r.path)],
    ['-kind:socket pid:1200', (r) => !kinds('socket').includes(r.kind) && r.pid === 1200],
    ['fd:0-2 kind:pty', (r) => r.fd <= 2 && r.kind === 'pty'],
    ['cloexec:no kind:inet', (r) => !r.cloexec && r.kind === 'inet-socket'],
    ['comm:post* fd:>10', (r) => globToRegExp('post*').test(r.comm) && r.fd > 10],
    ['evil', (r) => r.path.includes('evil')],
    [
      'path:"/var/lib/postgresql/15/main/base/16384/*" shared:no',
      (r) => globToRegExp('/var/lib/postgresql/15/main/base/16384/*').test(r.path) && !r.shared,
    ],
    ['flags:nonblock kind:eventfd,epoll', (r) => (r.flags & flagByName('nonblock')!.mask) !== 0 && ['eventfd', 'epoll'].includes(r.kind)],
    ['pid:3000,3010', (r) => r.pid === 3000 || r.pid === 3010],
    ['socket:[ -kind:unix', (r) => r.path.includes('socket:[') && r.kind !== 'unix-socket'],
  ];
  eachFindsExactly(cases, got, want);

  it('filters by image label, tag and time', () => {
    expect(got('label:leaky-2 kind:socket')).toEqual(want((r) => r.image === 'leaky-2' && kinds('socket').includes(r.kind)));
    expect(got('tag:database deleted:yes')).toEqual(want((r) => r.image.startsWith('database') && r.deleted));
    expect(got('time:2026-11-20T12:30..2026-11-20T13:30 kind:regular')).toEqual(want((r) => r.image === 'leaky-3' && r.kind === 'regular'));
    expect(got('after:2026-11-20T11:30 -label:leaky-3 fd:0')).toEqual(want((r) => r.image === 'leaky-2' && r.fd === 0));
  });

  it('threads are listed under their process; a CLONE_FILES process under itself', () => {
    const pids = new Set(store.search('label:threads-1 app.jar').groups.flatMap((g) => g.hits.map((h) => h.pid)));
    expect(pids).toEqual(new Set([3000, 3010]));
  });

  it('keeps hostile names exact in JSON and escaped in display text', () => {
    const r = store.search('label:everything-1 evil');
    const h = r.groups[0]!.hits[0]!;
    expect(h.target).toContain('\\n<script>');
    expect(h.target).toContain('\\xff\\xfe');
    expect(typeof h.path).toBe('object');
    expect((h.path as { hex: string }).hex).toContain('0a3c736372697074'); // "\n<script"
  });

  it('describes each hit exactly as the snapshot does (devices, pipes, sockets, memfd)', () => {
    const r = store.search('label:everything-1', { limit: 100_000, perImage: 100_000 });
    const snap = simulate({ scenario: 'everything', seed: 1, time: T0 + 8 * 60_000 });
    const files = new Map(snap.files.map((f) => [f.ref, f]));
    const tables = new Map(snap.fdTables.map((t) => [t.ref, t]));
    let n = 0;
    for (const h of r.groups[0]!.hits) {
      const t = snap.tasks.find((x) => x.pid === h.pid)!;
      const d = tables.get(t.fdTable)!.fds.find((x) => x.fd === h.fd)!;
      const f = files.get(d.file)!;
      expect(h.target).toBe(describeFile(f));
      expect(h.kind).toBe(f.kind);
      expect(h.flags).toBe(f.flags);
      n++;
    }
    expect(n).toBe(rows.filter((x) => x.image === 'everything-1').length);
  });

  it('spreads a common match across images, newest first, perImage each', () => {
    const r = store.search('kind:regular', { limit: 10, perImage: 2 });
    expect(r.groups.length).toBe(5);
    for (const g of r.groups) expect(g.hits.length).toBeLessThanOrEqual(2);
    const times = r.groups.map((g) => g.image.captureTime);
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expect(r.groups[0]!.image.label).toBe('leaky-3');
    expect(r.truncated).toBe(true);
  });

  it('truncates to the limit and says so', () => {
    const r = store.search('kind:regular', { limit: 5 });
    expect(r.hitCount).toBe(5);
    expect(r.truncated).toBe(true);
  });

  const bad: [string, string, string][] = [
    ['kind:sock', 'query-bad-value', 'sock'],
    ['comm:x wat:1', 'query-unknown-field', 'wat:1'],
    ['pid:12x', 'query-bad-value', '12x'],
    ['flags:append,nonblok', 'query-bad-value', 'nonblok'],
    ['deleted:maybe', 'query-bad-value', 'maybe'],
    ['after:yesterday', 'query-bad-value', 'yesterday'],
    ['"/tmp/unterminated', 'query-syntax', '"/tmp/unterminated'],
    ['path:/x/[ab*', 'query-bad-value', '/x/[ab*'],
    ['fd:', 'query-bad-value', 'fd:'],
    // Past what a Date can hold (±8.64e15 ms): refused here, not an "Invalid time value" when printed.
    ['after:999999999w', 'query-bad-value', '999999999w'],
    ['after:8640000000000001', 'query-bad-value', '8640000000000001'],
    ['time:99999999999999999..', 'query-bad-value', '99999999999999999..'],
    ['before:99999999999d', 'query-bad-value', '99999999999d'],
  ];
  for (const [q, code, token] of bad)
    it(`points at the offending token of "${q}"`, () => {
      let err: QueryError | undefined;
      try {
        store.search(q);
      } catch (e) {
        err = e as QueryError;
      }
      expect(err).toBeInstanceOf(QueryError);
      expect(err!.code).toBe(code);
      expect(q.slice(err!.start, err!.end)).toBe(token);
      expect(err!.toJSON()).toMatchObject({ name: 'QueryError', code, start: err!.start, end: err!.end });
    });
});

describe('names with control and bidi characters', () => {
  const names = ['/srv/new\nline.log', '/srv/esc\x1b[31m.log', '/srv/\u202egnp.exe', '/srv/tab\there.log', '/srv/back\\slash.log'];
  let s: Store;
  let done: () => void;
  beforeAll(() => {
    const t = tempHome();
    done = t.cleanup;
    s = Store.open(t.home);
    const snap = simulate({ scenario: 'web-server', seed: 5, time: T0 });
    const regular = snap.files.filter((f) => f.kind === 'regular');
    expect(regular.length).toBeGreaterThanOrEqual(names.length);
    names.forEach((n, i) => (regular[i]!.path = n));
    s.importBytes(encodeSnapshot(snap), { label: 'hostile' });
  });
  afterAll(() => {
    s.close();
    done();
  });
  const paths = (q: string) => [...new Set(s.search(`label:hostile ${q}`).groups.flatMap((g) => g.hits.map((h) => h.path)))];

  it('matches them by the escaped form ckpt show prints, and by their own text', () => {
    expect(paths(String.raw`new\nline`)).toEqual([names[0]]);
    expect(paths(String.raw`esc\x1b[31m`)).toEqual([names[1]]);
    expect(paths(String.raw`\u202e`)).toEqual([names[2]]);
    expect(paths(String.raw`tab\there`)).toEqual([names[3]]);
    expect(paths(String.raw`path:*esc\x1b*`)).toEqual([names[1]]);
    expect(paths(String.raw`path:/srv/new\nline.log`)).toEqual([names[0]]);
    // The raw text still matches, and a plain backslash is not taken for an escape.
    expect(paths('"esc\x1b[31m"')).toEqual([names[1]]);
    expect(paths(String.raw`back\slash`)).toEqual([names[4]]);
    expect(paths('gnp')).toEqual([names[2]]);
  });
});

describe("numbers past a field's limit", () => {
  const err = queryError;

  it('a number past the largest pid, fd, uid or port says so, naming the limit (it is no "bad range")', () => {
    const pid = err('pid:99999999999999999999999');
    expect(pid.code).toBe('query-bad-value');
    expect(pid.detail).toBe('pid: 99999999999999999999999 is past the largest pid, 2147483647');
    expect(pid.token).toBe('99999999999999999999999');
    const alt = err('pid:1,3000000000');
    expect(alt.detail).toBe('pid: 3000000000 is past the largest pid, 2147483647');
    expect([alt.start, alt.token]).toEqual(['pid:1,'.length, '3000000000']);
    expect(err('fd:2147483648').detail).toContain('past the largest fd number, 2147483647');
    expect(err('uid:99999999999').detail).toContain('past the largest uid, 4294967295');
    expect(err('rport:70000').detail).toBe('rport: 70000 is past the largest port, 65535');
    expect(err('pid:3000000000-3000000001').detail).toContain('(the start of "3000000000-3000000001")');
  });

  it('a range whose end is below its start is a bad range, and says why', () => {
    const e = err('fd:0,5-2');
    expect(e.detail).toBe('fd: bad range "5-2": its end is below its start');
    expect(e.token).toBe('5-2');
  });

  it('a range may run past the limit, to it, as >N does', () => {
    const [t] = parseQuery('pid:100-99999999999999999999').terms;
    expect(t!.term).toEqual({ field: 'pid', ranges: [[100, 2 ** 31 - 1]] });
    const [p] = parseQuery('port:1000-70000').terms;
    expect(p!.term).toEqual({ field: 'port', side: 'any', ranges: [[1000, 65535]] });
    expect(parseQuery('fd:<99999999999999999999').normalized).toBe('fd:0-2147483647');
  });
});
