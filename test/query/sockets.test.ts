/**
 * Socket fields (port:, lport:, rport:, addr:, laddr:, raddr:, state:) and
 * unix socket names matched by path terms, against simulations, checked
 * against an oracle reading the same attributes off the decoded snapshots.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryError } from './query-error.js';
import { displayBStr, type BStr, type Snapshot } from '../../src-shared/model/index.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { simulate } from '../../src-main/sim/index.js';
import { Store } from '../../src-main/store/index.js';
import { parseIp, parseQuery } from '../../src-main/query/parse.js';
import { eachFindsExactly, hitKeys, rowKeys } from './oracle.js';
import { tempHome, T0 } from '../store/helpers.js';

interface Row {
  image: string;
  pid: number;
  fd: number;
  kind: string;
  path: string;
  a: Record<string, unknown>;
}

let store: Store;
let cleanup: () => void;
const rows: Row[] = [];

function flatten(label: string, s: Snapshot): void {
  const files = new Map(s.files.map((f) => [f.ref, f]));
  for (const t of s.tasks) {
    if (t.pid !== t.tgid || !t.fdTable) continue;
    for (const d of s.fdTables.find((x) => x.ref === t.fdTable)!.fds) {
      const f = files.get(d.file)!;
      rows.push({ image: label, pid: t.pid, fd: d.fd, kind: f.kind, path: displayBStr(f.path), a: f.attrs as Record<string, unknown> });
    }
  }
}

/** Every kind of file, its unix sockets are given names the sims do not have: invalid UTF-8, a newline, a path. */
function oddNames(): Snapshot {
  const snap = simulate({ scenario: 'everything', seed: 3, time: T0 + 3_600_000 });
  const unix = snap.files.filter((f) => f.kind === 'unix-socket');
  expect(unix.length).toBeGreaterThanOrEqual(3);
  const names: BStr[] = [
    new Uint8Array([0x2f, 0x72, 0x75, 0x6e, 0x2f, 0xff, 0x63, 0x74, 0x6c, 0x2e, 0x73, 0x6f, 0x63, 0x6b]),
    'ctl\nsock',
    '/run/app/ctl.sock',
  ];
  unix.forEach((f, i) => (f.attrs = { ...f.attrs, name: names[i % names.length]!, state: 'LISTEN', listening: true }));
  return snap;
}

beforeAll(() => {
  const h = tempHome();
  cleanup = h.cleanup;
  store = Store.open(h.home);
  let i = 0;
  const add = (label: string, snap: Snapshot) => {
    store.importBytes(encodeSnapshot(snap), { label });
    flatten(label, snap);
  };
  for (const scenario of ['web-server', 'database', 'everything', 'leaky'])
    add(scenario, simulate({ scenario, seed: 1, step: 4, time: T0 + i++ * 60_000 }));
  add('odd', oddNames());
});

afterAll(() => {
  store.close();
  cleanup();
});

const got = (q: string): string[] => hitKeys(store, q);
const want = (pred: (r: Row) => boolean): string[] => rowKeys(rows, pred);

const inet = (r: Row) => r.kind === 'inet-socket';
const lport = (r: Row) => r.a.localPort as number;
/** The remote end, when there is a peer (a listener's 0.0.0.0:0 is none). */
const rport = (r: Row) => (r.a.remotePort ? (r.a.remotePort as number) : -1);
const addrIs = (v: unknown, ip: string) => {
  const a = parseIp(String(v));
  const b = parseIp(ip)!;
  return a !== null && a.every((x, i) => x === b[i]);
};

describe('socket fields', () => {
  const cases: [string, (r: Row) => boolean][] = [
    ['port:443', (r) => inet(r) && (lport(r) === 443 || rport(r) === 443)],
    ['port:5432', (r) => inet(r) && (lport(r) === 5432 || rport(r) === 5432)],
    ['lport:5432', (r) => inet(r) && lport(r) === 5432],
    ['rport:5432', (r) => inet(r) && rport(r) === 5432],
    ['port:80,443 state:listen', (r) => inet(r) && [80, 443].includes(lport(r)) && r.a.state === 'LISTEN'],
    ['port:1-1024', (r) => inet(r) && ((lport(r) >= 1 && lport(r) <= 1024) || (rport(r) >= 1 && rport(r) <= 1024))],
    ['port:>50000', (r) => inet(r) && (lport(r) > 50000 || rport(r) > 50000)],
    ['state:ESTABLISHED', (r) => r.a.state === 'ESTABLISHED' && (inet(r) || r.kind === 'unix-socket')],
    ['state:close-wait', (r) => r.a.state === 'CLOSE_WAIT'],
    // UNCONN, as show prints a udp or raw socket in CLOSE, finds what state:close finds.
    ['state:unconn', (r) => r.a.state === 'CLOSE'],
    ['state:listen kind:unix', (r) => r.kind === 'unix-socket' && r.a.state === 'LISTEN'],
    ['state:connected,unconnected', (r) => r.kind === 'unix-socket' && ['CONNECTED', 'UNCONNECTED'].includes(r.a.state as string)],
    ['-state:established kind:inet', (r) => inet(r) && r.a.state !== 'ESTABLISHED'],
    ['addr:127.0.0.1', (r) => inet(r) && (addrIs(r.a.localAddr, '127.0.0.1') || (rport(r) > 0 && addrIs(r.a.remoteAddr, '127.0.0.1')))],
    ['addr:::1', (r) => inet(r) && (addrIs(r.a.localAddr, '::1') || (rport(r) > 0 && addrIs(r.a.remoteAddr, '::1')))],
    ['addr:[::1]', (r) => inet(r) && (addrIs(r.a.localAddr, '::1') || (rport(r) > 0 && addrIs(r.a.remoteAddr, '::1')))],
    ['laddr:0.0.0.0', (r) => inet(r) && r.a.localAddr === '0.0.0.0'],
    ['laddr:::', (r) => inet(r) && r.a.localAddr === '::'],
    ['raddr:10.0.3.0/24', (r) => inet(r) && rport(r) > 0 && String(r.a.remoteAddr).startsWith('10.0.3.')],
    [
      'addr:10.0.0.0/8 state:established',
      (r) => inet(r) && r.a.state === 'ESTABLISHED' && [r.a.localAddr, r.a.remoteAddr].some((x) => String(x).startsWith('10.')),
    ],
    ['raddr:10.0.?.*', (r) => inet(r) && rport(r) > 0 && /^10\.0\.\d\./.test(String(r.a.remoteAddr))],
    // Unix socket names, as ckpt show prints them, by plain and path: terms.
    ['s.PGSQL', (r) => r.path.includes('s.PGSQL') || (r.kind === 'unix-socket' && String(r.a.name).includes('s.PGSQL'))],
    ['@kitchen', (r) => r.kind === 'unix-socket' && String(r.a.name).startsWith('@kitchen')],
    ['path:/var/run/postgresql/.s.PGSQL.5432', (r) => r.kind === 'unix-socket' && r.a.name === '/var/run/postgresql/.s.PGSQL.5432'],
    ['ctl.sock', (r) => r.path.includes('ctl.sock') || (r.kind === 'unix-socket' && displayBStr(r.a.name as BStr).includes('ctl.sock'))],
    ['"/run/*ctl.sock"', (r) => r.kind === 'unix-socket' && /^\/run\/.*ctl\.sock$/.test(displayBStr(r.a.name as BStr))],
    [
      '-path:ctl.sock kind:unix label:odd',
      (r) => r.image === 'odd' && r.kind === 'unix-socket' && !displayBStr(r.a.name as BStr).includes('ctl.sock'),
    ],
  ];
  eachFindsExactly(cases, got, want);

  it('matches a unix name that is not UTF-8 by its escaped form, and one with a newline either way', () => {
    expect(got('label:odd /run/\\xffctl')).toHaveLength(
      want((r) => r.image === 'odd' && r.kind === 'unix-socket' && r.a.name instanceof Uint8Array).length,
    );
    expect(got('label:odd /run/\\xffctl').length).toBeGreaterThan(0);
    const nl = want((r) => r.image === 'odd' && r.a.name === 'ctl\nsock');
    expect(nl.length).toBeGreaterThan(0);
    expect(got('label:odd ctl\\nsock')).toEqual(nl);
    expect(got(`label:odd "ctl\nsock"`)).toEqual(nl);
  });

  it('a port or address no socket has matches nothing, quickly', () => {
    expect(got('port:1')).toEqual([]);
    expect(got('addr:192.0.2.1')).toEqual([]);
    // A listener's remote 0.0.0.0:0 is no endpoint.
    expect(got('rport:0')).toEqual([]);
    expect(got('raddr:0.0.0.0')).toEqual([]);
  });

  it('an IPv4 address also matches the same address v4-mapped in an IPv6 socket', () => {
    const ip = parseIp('::ffff:10.0.0.5')!;
    expect(parseIp('10.0.0.5')).toEqual(ip);
    expect(parseIp('::ffff:a00:5')).toEqual(ip);
    expect(parseIp('[::FFFF:10.0.0.5]')).toEqual(ip);
    expect(parseIp('fe80::1%eth0')).toEqual(parseIp('fe80:0:0:0:0:0:0:1'));
    for (const bad of ['10.0.0', '10.0.0.256', '1::2::3', '1:2:3:4:5:6:7:8:9', 'g::1', '::ffff:1.2.3'])
      expect(parseIp(bad), bad).toBeNull();
  });

  it('normalizes the terms', () => {
    expect(
      parseQuery('port:80,8000-8999 lport:>1023 rport:<1024 addr:[::1],10.0.0.0/8 raddr:10.* state:close-wait,Listen').normalized,
    ).toBe('port:80,8000-8999 lport:1024-65535 rport:0-1023 addr:::1,10.0.0.0/8 raddr:10.* state:CLOSE_WAIT,LISTEN');
  });

  it('refuses unknown states, bad ports and addresses, pointing at the value', () => {
    const err = queryError;
    const e = err('kind:inet state:listen,establised');
    expect(e.code).toBe('query-bad-value');
    expect(e.token).toBe('establised');
    expect(e.start).toBe('kind:inet state:listen,'.length);
    expect(e.detail).toContain('known: LISTEN, ESTABLISHED');
    expect(e.detail).toContain('CONNECTED');
    expect(err('port:65536').code).toBe('query-bad-value');
    expect(err('port:http').token).toBe('http');
    expect(err('addr:10.0').detail).toContain('CIDR');
    expect(err('addr:10.0.0.0/33').token).toBe('10.0.0.0/33');
    expect(err('laddr:::1/129').code).toBe('query-bad-value');
  });
});
