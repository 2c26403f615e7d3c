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

/** An internet socket's ends, from its attrs. */
export interface SockEnds {
  proto: string;
  family: number;
  state: string;
  localAddr: string;
  localPort: number;
  remoteAddr: string;
  remotePort: number;
}

export function sockEnds(a: Record<string, unknown>): SockEnds {
  return {
    proto: String(a.proto),
    family: Number(a.family),
    state: String(a.state),
    localAddr: String(a.localAddr),
    localPort: Number(a.localPort) || 0,
    remoteAddr: String(a.remoteAddr),
    remotePort: Number(a.remotePort) || 0,
  };
}

const isListener = (s: SockEnds) => s.proto === 'tcp' && s.state === 'LISTEN';
const WILDCARD = new Set(['0.0.0.0', '::']);
const end = (s: SockEnds, addr: string, port: number) => `${s.proto} ${displayInetAddr(s.family, addr)}:${port}`;

/** The series key of a socket grouped by its local end, accepted from a listener or not. */
export function localKey(s: SockEnds, accepted: boolean): string {
  return `${end(s, s.localAddr, s.localPort)} ${accepted ? 'accepted connections' : 'connections'} in ${s.state}`;
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
  return !!addrs && addrs.some((a) => a === s.localAddr || WILDCARD.has(a));
}

/**
 * Each image's sockets (in series order) as [image index, series key, count],
 * in image order: the keys as the module's comment says.
 */
export function groupSockets(images: readonly (readonly SockEntry[])[]): [number, string, number][] {
  const out: [number, string, number][] = [];
  // Sockets with no listener to tell their side, decided once the whole
  // series is counted: how many of its sockets share each end.
  const undecided: [number, SockEnds, number][] = [];
  const localShare = new Map<string, number>();
  const remoteShare = new Map<string, number>();
  const bumpShare = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
  images.forEach((entries, i) => {
    const byTable = new Map<number, Listeners>();
    const inImage: Listeners = new Map();
    for (const e of entries)
      if (isListener(e.sock)) {
        let t = byTable.get(e.table);
        if (!t) byTable.set(e.table, (t = new Map()));
        addListener(t, e.sock);
        addListener(inImage, e.sock);
      }
    for (const e of entries) {
      const s = e.sock;
      if (!s.remotePort) out.push([i, unconnectedKey(s), e.n]);
      else if (s.proto === 'tcp' && (listens(byTable.get(e.table), s) || listens(inImage, s))) out.push([i, localKey(s, true), e.n]);
      else {
        undecided.push([i, s, e.n]);
        bumpShare(localShare, end(s, s.localAddr, s.localPort), e.n);
        bumpShare(remoteShare, end(s, s.remoteAddr, s.remotePort), e.n);
      }
    }
  });
  if (undecided.length) {
    const keyed = undecided.map(([i, s, n]): [number, string, number] => {
      const local = localShare.get(end(s, s.localAddr, s.localPort))!;
      const remote = remoteShare.get(end(s, s.remoteAddr, s.remotePort))!;
      return [i, local > remote ? localKey(s, false) : remoteKey(s), n];
    });
    // Merged back in image order (a stable sort keeps each image's order).
    out.push(...keyed);
    out.sort((a, b) => a[0] - b[0]);
  }
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
