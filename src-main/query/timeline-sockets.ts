/**
 * Which endpoint a timeline counts an internet socket under, so that a leak
 * of sockets is one series and not one per socket.
 *
 * A connected socket has two ends, and one of them changes from socket to
 * socket: on the client side the local port is ephemeral and the remote end
 * (the server) is fixed; on the server side every accepted socket shares the
 * listener's local address and port and the remote port is each client's
 * ephemeral one. So a leak of accepted sockets (the classic CLOSE_WAIT leak of
 * a server that never closes what it accepts) is grouped by the local end
 * ("tcp 127.0.0.1:8080 accepted connections in CLOSE_WAIT"), and a
 * client-side leak by the remote one ("tcp CLOSE_WAIT -> 10.0.3.20:5432").
 *
 * The side is read from the socket itself: a TCP socket whose local port is
 * that of a listener (same address, or the listener's wildcard) in its own fd
 * table, else anywhere in the same image, was accepted from it. Where no
 * listener was captured (it was closed, or is held by a process not in the
 * image), the side whose end more sockets of the series share is the fixed
 * one: the local end when it is shared by more, else the remote end, as
 * before. A socket with no remote port (a listener, an unconnected UDP
 * socket) is its local end.
 */
import { displayInetAddr } from '../../src-shared/kinds/inet-socket.js';
import { formatRate } from '../../src-shared/model/index.js';

/** An internet socket's ends, from its attrs (sockEnds), with what grouping keeps of it across a series. */
export interface SockEnds {
  proto: string;
  family: number;
  state: string;
  localAddr: string;
  localPort: number;
  remoteAddr: string;
  remotePort: number;
  /** Grouping's state, made once per socket (attrs row) of a series: a series of fleets holds millions of sockets. */
  memo: SockMemo;
}

interface SockMemo {
  /** A TCP listener; a TCP socket with a peer (one a listener may have accepted). */
  listener: boolean;
  tcpPeer: boolean;
  /** Its ends as "tcp 127.0.0.1:8080" (remote: '' for none), made on first use. */
  local: string | null;
  remote: string | null;
  /** Its key when accepted, and otherwise (it may be accepted in one image, its listener gone in the next). */
  accepted: string | null;
  key: string | null;
  /** The image it was last counted in, and its count there: accepted, not. */
  stamp: number;
  nAccepted: number;
  nOther: number;
}

export function sockEnds(a: Record<string, unknown>): SockEnds {
  const proto = String(a.proto);
  const state = String(a.state);
  const remotePort = Number(a.remotePort) || 0;
  return {
    proto,
    family: Number(a.family),
    state,
    localAddr: String(a.localAddr),
    localPort: Number(a.localPort) || 0,
    remoteAddr: String(a.remoteAddr),
    remotePort,
    memo: {
      listener: proto === 'tcp' && state === 'LISTEN',
      tcpPeer: proto === 'tcp' && remotePort !== 0,
      local: null,
      remote: null,
      accepted: null,
      key: null,
      stamp: -1,
      nAccepted: 0,
      nOther: 0,
    },
  };
}

const WILDCARD = new Set(['0.0.0.0', '::']);
const end = (s: SockEnds, addr: string, port: number) => `${s.proto} ${displayInetAddr(s.family, addr)}:${port}`;
const localEnd = (s: SockEnds) => (s.memo.local ??= end(s, s.localAddr, s.localPort));
const remoteEnd = (s: SockEnds) => (s.memo.remote ??= s.remotePort ? end(s, s.remoteAddr, s.remotePort) : '');

/** The series key of a socket grouped by its local end, accepted from a listener or not. */
export function localKey(s: SockEnds, accepted: boolean): string {
  return `${localEnd(s)} ${accepted ? 'accepted connections' : 'connections'} in ${s.state}`;
}

/** The series key of a socket grouped by its remote end (a client's connections to one server). */
export function remoteKey(s: SockEnds): string {
  return `${s.proto} ${s.state} -> ${displayInetAddr(s.family, s.remoteAddr)}:${s.remotePort}`;
}

/** The series key of a socket with no peer: its local end. */
export function unconnectedKey(s: SockEnds): string {
  return `${s.proto} ${s.state} on ${displayInetAddr(s.family, s.localAddr)}:${s.localPort}`;
}

/** One socket (or several of the same attrs) in one fd table of one image. */
export interface SockEntry {
  table: number;
  sock: SockEnds;
  n: number;
}

/** Listeners by port: their local addresses. */
type Listeners = Map<number, string[]>;

function addListener(m: Listeners, s: SockEnds): void {
  const l = m.get(s.localPort);
  if (l) l.push(s.localAddr);
  else m.set(s.localPort, [s.localAddr]);
}

function listens(m: Listeners | undefined, s: SockEnds): boolean {
  const addrs = m?.get(s.localPort);
  if (!addrs) return false;
  for (const a of addrs) if (a === s.localAddr || WILDCARD.has(a)) return true;
  return false;
}

/**
 * Each image's sockets (in series order) as [image index, series key, count],
 * in image order, one per key and image: the keys as the module's comment says.
 */
export function groupSockets(images: readonly (readonly SockEntry[])[]): [number, string, number][] {
  // A key told by the series' shares is this series' only.
  for (const entries of images)
    for (const e of entries) {
      e.sock.memo.stamp = -1;
      e.sock.memo.key = null;
    }
  // Each image's distinct sockets with their counts (summed over its tables, in memo), then keyed.
  const perImage: { socks: SockEnds[]; accepted: number[]; other: number[] }[] = [];
  // How many of the series' connected sockets with no listener share each end.
  const localShare = new Map<string, number>();
  const remoteShare = new Map<string, number>();
  const share = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
  images.forEach((entries, i) => {
    let byTable: Map<number, Listeners> | null = null;
    let inImage: Listeners | null = null;
    for (const e of entries)
      if (e.sock.memo.listener) {
        byTable ??= new Map();
        inImage ??= new Map();
        let t = byTable.get(e.table);
        if (!t) byTable.set(e.table, (t = new Map()));
        addListener(t, e.sock);
        addListener(inImage, e.sock);
      }
    const distinct: SockEnds[] = [];
    for (const e of entries) {
      const s = e.sock;
      const m = s.memo;
      if (m.stamp !== i) {
        m.stamp = i;
        m.nAccepted = m.nOther = 0;
        distinct.push(s);
      }
      if (m.tcpPeer && inImage && (listens(byTable!.get(e.table), s) || listens(inImage, s))) m.nAccepted += e.n;
      else m.nOther += e.n;
    }
    // The counts kept by value: the memo holds the next image's once that is counted.
    perImage.push({ socks: distinct, accepted: distinct.map((s) => s.memo.nAccepted), other: distinct.map((s) => s.memo.nOther) });
    for (const s of distinct)
      if (s.remotePort && s.memo.nOther) {
        share(localShare, localEnd(s), s.memo.nOther);
        share(remoteShare, remoteEnd(s), s.memo.nOther);
      }
  });
  const out: [number, string, number][] = [];
  perImage.forEach(({ socks, accepted, other }, i) => {
    const sums = new Map<string, number>();
    const add = (key: string, n: number) => sums.set(key, (sums.get(key) ?? 0) + n);
    socks.forEach((s, k) => {
      const nAccepted = accepted[k]!;
      const nOther = other[k]!;
      const m = s.memo;
      if (nAccepted) add((m.accepted ??= localKey(s, true)), nAccepted);
      if (!nOther) return;
      if (!s.remotePort) add((m.key ??= unconnectedKey(s)), nOther);
      else add((m.key ??= localShare.get(localEnd(s))! > remoteShare.get(remoteEnd(s))! ? localKey(s, false) : remoteKey(s)), nOther);
    });
    for (const [key, n] of sums) out.push([i, key, n]);
  });
  return out;
}

/** A span of time as the growth text says it: "45 s", "4 min", "3 h", "2 d". */
function spanUnit(ms: number): [string, number] {
  if (ms < 120_000) return ['s', 1000];
  if (ms < 2 * 3_600_000) return ['min', 60_000];
  if (ms < 48 * 3_600_000) return ['h', 3_600_000];
  return ['d', 86_400_000];
}

/**
 * A suspect's growth as a person reads it: "3 -> 48 over 4 min (+11/min)",
 * the rate (the least-squares fit, per hour) in the unit of the span; just
 * "3 -> 48" when the images were all taken at one time.
 */
export function growthText(first: number, last: number, spanMs: number, perHour: number): string {
  if (!(spanMs > 0)) return `${first} -> ${last}`;
  const [unit, ms] = spanUnit(spanMs);
  const span = spanMs / ms;
  const spanText = span < 10 ? String(Math.round(span * 10) / 10) : String(Math.round(span));
  return `${first} -> ${last} over ${spanText} ${unit} (+${formatRate((perHour * ms) / 3_600_000)}/${unit})`;
}
