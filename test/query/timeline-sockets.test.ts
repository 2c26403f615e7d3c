/** How a timeline keys internet sockets: by the fixed end of their connections (timeline-sockets.ts). */
import { describe, expect, it } from 'vitest';
import { groupSockets, growthText, sockEnds, type SockEnds, type SockEntry } from '../../src-main/query/timeline-sockets.js';

const tcp = (local: string, remote: string, state = 'ESTABLISHED', proto = 'tcp'): SockEnds => {
  const split = (e: string): [string, number] => {
    const i = e.lastIndexOf(':');
    return [e.slice(0, i), Number(e.slice(i + 1))];
  };
  const [localAddr, localPort] = split(local);
  const [remoteAddr, remotePort] = split(remote);
  return sockEnds({ proto, family: localAddr.includes(':') ? 6 : 4, state, localAddr, localPort, remoteAddr, remotePort });
};
const listen = (local: string) => tcp(local, local.includes('::') ? ':::0' : '0.0.0.0:0', 'LISTEN');
const at = (table: number, ...socks: SockEnds[]): SockEntry[] => socks.map((sock) => ({ table, sock, n: 1 }));

/** The grouped counts per key, each key's count at every image. */
function grouped(images: SockEntry[][]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [i, key, n] of groupSockets(images)) (out[key] ??= new Array<number>(images.length).fill(0))[i]! += n;
  return out;
}

/** A server on `local` that has accepted `n` connections now in CLOSE_WAIT, from client ports 40000 + k. */
const closeWaits = (table: number, local: string, n: number, from = 0) =>
  at(table, ...Array.from({ length: n }, (_, k) => tcp(local, `10.0.0.9:${40000 + from + k}`, 'CLOSE_WAIT')));

describe('timeline socket endpoints', () => {
  it("accepted sockets count under their listener's address and port, per state; each client port is no endpoint", () => {
    const image = (n: number) => [
      ...at(1, listen('127.0.0.1:8080')),
      ...closeWaits(1, '127.0.0.1:8080', n),
      ...at(1, tcp('127.0.0.1:8080', '10.0.0.7:51000')),
    ];
    expect(grouped([image(3), image(5), image(8)])).toEqual({
      'tcp LISTEN on 127.0.0.1:8080': [1, 1, 1],
      'tcp 127.0.0.1:8080 accepted connections in CLOSE_WAIT': [3, 5, 8],
      'tcp 127.0.0.1:8080 accepted connections in ESTABLISHED': [1, 1, 1],
    });
  });

  it('a wildcard listener accepts on any local address of its family; a dual-stack one IPv4 peers too', () => {
    const v4 = at(1, listen('0.0.0.0:80'), tcp('10.1.2.3:80', '10.0.0.9:40000', 'CLOSE_WAIT'));
    const v6 = at(2, listen(':::443'), tcp('::ffff:127.0.0.1:443', '::ffff:127.0.0.1:40001', 'CLOSE_WAIT'), tcp('::1:443', '::1:40002'));
    expect(Object.keys(grouped([[...v4, ...v6]])).sort()).toEqual([
      'tcp 10.1.2.3:80 accepted connections in CLOSE_WAIT',
      'tcp LISTEN on 0.0.0.0:80',
      'tcp LISTEN on [::]:443',
      'tcp [::1]:443 accepted connections in ESTABLISHED',
      'tcp [::ffff:127.0.0.1]:443 accepted connections in CLOSE_WAIT',
    ]);
  });

  it('a listener bound to another address, or of UDP, accepts nothing; one in another table of the image does', () => {
    const other = at(1, listen('127.0.0.1:8080'), tcp('10.1.2.3:8080', '10.0.0.9:40000', 'CLOSE_WAIT'));
    expect(grouped([other])['tcp CLOSE_WAIT -> 10.0.0.9:40000']).toEqual([1]);
    const udp = at(1, tcp('10.1.2.3:53', '10.0.0.9:40000', 'ESTABLISHED', 'udp'), listen('0.0.0.0:53'));
    expect(grouped([udp])['udp ESTABLISHED -> 10.0.0.9:40000']).toEqual([1]);
    // The listener held by the master (table 1), the accepted socket passed to a worker (table 2).
    const passed = [...at(1, listen('0.0.0.0:8080')), ...at(2, tcp('127.0.0.1:8080', '127.0.0.1:40000', 'CLOSE_WAIT'))];
    expect(grouped([passed])['tcp 127.0.0.1:8080 accepted connections in CLOSE_WAIT']).toEqual([1]);
  });

  it("a client's connections count under the server they reach, a listener of its own notwithstanding", () => {
    // A service listening on 9000 that leaks its connections to a database; the local ports are ephemeral.
    const image = (n: number) => [
      ...at(1, listen('0.0.0.0:9000')),
      ...at(1, ...Array.from({ length: n }, (_, k) => tcp('10.0.3.5:' + (50000 + k), '10.0.3.20:5432', 'CLOSE_WAIT'))),
    ];
    expect(grouped([image(2), image(4)])).toEqual({ 'tcp LISTEN on 0.0.0.0:9000': [1, 1], 'tcp CLOSE_WAIT -> 10.0.3.20:5432': [2, 4] });
    // And the same series with no listener: the remote end is the one the sockets share.
    expect(grouped([image(2).slice(1), image(4).slice(1)])).toEqual({ 'tcp CLOSE_WAIT -> 10.0.3.20:5432': [2, 4] });
  });

  it('with no listener captured, the side whose end the sockets share is the fixed one', () => {
    // The server closed its listener (or another process holds it): its accepted sockets still share their local end.
    expect(grouped([closeWaits(1, '127.0.0.1:8080', 2), closeWaits(1, '127.0.0.1:8080', 5)])).toEqual({
      'tcp 127.0.0.1:8080 connections in CLOSE_WAIT': [2, 5],
    });
    // New sockets in a later image count toward the end shared across the series.
    expect(grouped([closeWaits(1, '127.0.0.1:8080', 1), closeWaits(1, '127.0.0.1:8080', 3, 100)])).toEqual({
      'tcp 127.0.0.1:8080 connections in CLOSE_WAIT': [1, 3],
    });
    // One connection alone shares nothing: its remote end, as before.
    expect(grouped([at(1, tcp('10.0.0.1:41000', '10.0.0.2:443'))])).toEqual({ 'tcp ESTABLISHED -> 10.0.0.2:443': [1] });
  });

  it('one socket object across images (as a series reads one attrs row): counted in each, its side told per image', () => {
    const l = listen('127.0.0.1:8080');
    const cw = [0, 1, 2].map((k) => tcp('127.0.0.1:8080', `10.0.0.9:${40000 + k}`, 'CLOSE_WAIT'));
    // The listener closed before the last capture: the same sockets, then told by the end they share.
    const images = [at(1, l, cw[0]!), at(1, l, cw[0]!, cw[1]!), at(1, ...cw)];
    expect(grouped(images)).toEqual({
      'tcp LISTEN on 127.0.0.1:8080': [1, 1, 0],
      'tcp 127.0.0.1:8080 accepted connections in CLOSE_WAIT': [1, 2, 0],
      'tcp 127.0.0.1:8080 connections in CLOSE_WAIT': [0, 0, 3],
    });
    // Grouped again (another timeline of them): the same answer.
    expect(grouped(images)).toEqual(grouped(images));
    expect(grouped([images[2]!])).toEqual({ 'tcp 127.0.0.1:8080 connections in CLOSE_WAIT': [3] });
  });

  it('a fleet of sockets with no listener (hundreds of thousands) is grouped, not spread into one call', () => {
    const clients = Array.from({ length: 200_000 }, (_, k) =>
      tcp(`10.0.${k >> 16}.1:${1024 + (k & 0xffff)}`, '10.9.9.9:5432', 'ESTABLISHED'),
    );
    const entries = (socks: SockEnds[]) => socks.map((sock) => ({ table: 1, sock, n: 1 }));
    expect(grouped([entries(clients.slice(0, 50_000)), entries(clients)])).toEqual({
      'tcp ESTABLISHED -> 10.9.9.9:5432': [50_000, 200_000],
    });
  });

  it('counts the same socket in several fd tables in each', () => {
    const shared = tcp('127.0.0.1:8080', '127.0.0.1:40000', 'CLOSE_WAIT');
    const image: SockEntry[] = [
      { table: 1, sock: listen('127.0.0.1:8080'), n: 1 },
      { table: 1, sock: shared, n: 2 },
      { table: 2, sock: shared, n: 1 },
    ];
    expect(grouped([image])['tcp 127.0.0.1:8080 accepted connections in CLOSE_WAIT']).toEqual([3]);
  });
});

describe('growthText', () => {
  it('says the span and the rate in one unit, seconds to days', () => {
    expect(growthText(3, 48, 4 * 60_000, 11.25 * 60)).toBe('3 -> 48 over 4 min (+11/min)');
    expect(growthText(3, 12, 4_100, 2.2 * 3600)).toBe('3 -> 12 over 4.1 s (+2.2/s)');
    expect(growthText(3, 18, 10 * 3_600_000, 1.5)).toBe('3 -> 18 over 10 h (+1.5/h)');
    expect(growthText(1, 9, 3 * 86_400_000, 2.5 / 24)).toBe('1 -> 9 over 3 d (+2.5/d)');
    // Images all taken at one time: no span to give a rate over.
    expect(growthText(1, 2, 0, 0)).toBe('1 -> 2');
  });
});
