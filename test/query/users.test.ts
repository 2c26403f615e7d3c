/**
 * uid: and user: against simulations (nginx workers run as 33, postgres as
 * 112, the rest mostly as root), checked against the snapshots' tasks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src-shared/model/index.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { simulate } from '../../src-main/sim/index.js';
import { QueryError, Store } from '../../src-main/store/index.js';
import { parseQuery, passwdLookup } from '../../src-main/query/parse.js';
import { tempHome, T0 } from '../store/helpers.js';
import { eachFindsExactly, hitKeys, rowKeys } from './oracle.js';

let store: Store;
let cleanup: () => void;
const rows: { image: string; pid: number; fd: number; uid: number; kind: string }[] = [];

function flatten(label: string, s: Snapshot): void {
  const files = new Map(s.files.map((f) => [f.ref, f]));
  for (const t of s.tasks) {
    if (t.pid !== t.tgid || !t.fdTable) continue;
    for (const d of s.fdTables.find((x) => x.ref === t.fdTable)!.fds)
      rows.push({ image: label, pid: t.pid, fd: d.fd, uid: t.uid, kind: files.get(d.file)!.kind });
  }
}

beforeAll(() => {
  const h = tempHome();
  cleanup = h.cleanup;
  store = Store.open(h.home);
  let i = 0;
  for (const scenario of ['web-server', 'pipeline', 'database', 'threads']) {
    const snap = simulate({ scenario, seed: 1, time: T0 + i++ * 60_000 });
    store.importBytes(encodeSnapshot(snap), { label: scenario });
    flatten(scenario, snap);
  }
});

afterAll(() => {
  store.close();
  cleanup();
});

const got = (q: string): string[] => hitKeys(store, q);
const want = (pred: (r: (typeof rows)[number]) => boolean): string[] => rowKeys(rows, pred);

describe('uid: and user:', () => {
  it('the sims hold several uids', () => {
    expect(new Set(rows.map((r) => r.uid)).size).toBeGreaterThanOrEqual(4);
  });

  const cases: [string, (r: (typeof rows)[number]) => boolean][] = [
    ['uid:33', (r) => r.uid === 33],
    ['uid:0', (r) => r.uid === 0],
    ['uid:100-1000', (r) => r.uid >= 100 && r.uid <= 1000],
    ['uid:>999 kind:regular', (r) => r.uid > 999 && r.kind === 'regular'],
    ['-uid:0', (r) => r.uid !== 0],
    ['uid:33,112', (r) => r.uid === 33 || r.uid === 112],
    // root is uid 0 on every machine: resolved through this machine's /etc/passwd.
    ['user:root', (r) => r.uid === 0],
    ['user:root,112', (r) => r.uid === 0 || r.uid === 112],
    ['user:33 kind:socket', (r) => r.uid === 33 && r.kind.endsWith('socket')],
  ];
  eachFindsExactly(cases, got, want, 'the fds of those processes');

  it('resolves names through the lookup, normalized as typed', () => {
    const users = (n: string) => ({ www: 33, postgres: 112, '1000': 4242 })[n];
    const p = parseQuery('user:www,postgres -uid:0-99 user:1000 user:7', Date.now(), users);
    expect(p.terms.map((t) => t.term)).toEqual([
      {
        field: 'uid',
        ranges: [
          [33, 33],
          [112, 112],
        ],
        names: ['www', 'postgres'],
      },
      { field: 'uid', ranges: [[0, 99]] },
      // A user named "1000" wins over uid 1000, as in lsof.
      { field: 'uid', ranges: [[4242, 4242]], names: ['1000'] },
      { field: 'uid', ranges: [[7, 7]], names: ['7'] },
    ]);
    expect(p.normalized).toBe('user:www,postgres -uid:0-99 user:1000 user:7');
    expect(passwdLookup('root')).toBe(0);
  });

  it('an unknown user name is a QueryError naming it, at its place in the list', () => {
    let e: unknown;
    try {
      parseQuery('kind:socket user:root,no-such-user-here');
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(QueryError);
    const q = e as QueryError;
    expect(q.code).toBe('query-bad-value');
    expect(q.token).toBe('no-such-user-here');
    expect(q.start).toBe('kind:socket user:root,'.length);
    expect(q.detail).toContain('"no-such-user-here"');
    expect(q.detail).toContain('/etc/passwd');
    expect(() => parseQuery('uid:abc')).toThrow(QueryError);
  });

  it('ranges run to the largest value of their field; one nothing can match is refused', () => {
    const term = (q: string) => parseQuery(q).terms[0]!.term as { ranges: [number, number][] };
    // A uid is 32 bits: one above 2^31 is reachable by >N.
    expect(term('uid:>3000000000').ranges).toEqual([[3000000001, 4294967295]]);
    expect(term('pid:>100').ranges).toEqual([[101, 2 ** 31 - 1]]);
    expect(term('port:>1023').ranges).toEqual([[1024, 65535]]);
    for (const q of ['port:<0', 'fd:<0', 'port:>65535', 'uid:>4294967295']) expect(() => parseQuery(q), q).toThrow(/nothing is [<>]/);
  });
});
