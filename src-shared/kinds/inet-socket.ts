import { defineKind } from './schema.js';
import { queuesText } from './format.js';

/**
 * The IPv4 address inside a v4-mapped IPv6 address's text (`::ffff:127.0.0.1`,
 * or `::ffff:7f00:1` as images before the dotted form wrote it), else null:
 * what an IPv4 peer of a dual-stack (`[::]`) socket looks like from its side.
 */
export function mappedIpv4(addr: string): string | null {
  const dotted = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i.exec(addr);
  if (dotted) return dotted[1]!;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(addr);
  if (!hex) return null;
  const hi = parseInt(hex[1]!, 16);
  const lo = parseInt(hex[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** An address as ss and inet_ntop write it: IPv6 in brackets, a v4-mapped one with its IPv4 part dotted. */
export function displayInetAddr(family: unknown, addr: unknown): string {
  if (family !== 6) return String(addr);
  const v4 = mappedIpv4(String(addr));
  return v4 === null ? `[${String(addr)}]` : `[::ffff:${v4}]`;
}

/** TCP, UDP or raw socket over IPv4 or IPv6, from /proc/net/{tcp,udp,raw}[6]. */
export default defineKind({
  code: 9,
  name: 'inet-socket',
  label: 'Internet socket',
  fields: [
    { name: 'proto', type: 'bstr', label: 'Protocol (tcp, udp, raw, udplite)' },
    { name: 'family', type: 'u8', label: 'IP version (4, 6)' },
    { name: 'state', type: 'bstr', label: 'State' },
    { name: 'localAddr', type: 'bstr', label: 'Local address' },
    { name: 'localPort', type: 'u16', label: 'Local port' },
    { name: 'remoteAddr', type: 'bstr', label: 'Remote address' },
    { name: 'remotePort', type: 'u16', label: 'Remote port' },
    { name: 'txQueue', type: 'u32', label: 'Send queue bytes' },
    { name: 'rxQueue', type: 'u32', label: 'Receive queue bytes (a listener: connections not yet accepted)' },
    // A TCP listener's limit on that queue (listen()'s backlog, capped at somaxconn), which ss shows as its Send-Q:
    // /proc/net/tcp lacks it, so it is known only where sock_diag answered (backlogKnown), never guessed.
    { name: 'backlogKnown', type: 'bool', label: 'Listen backlog known', since: 6 },
    { name: 'backlog', type: 'u32', label: 'Listen backlog (the accept queue limit)', since: 6 },
  ],
  summary: (f) => {
    const a = f.attrs;
    const host = (addr: unknown) => displayInetAddr(a.family, addr);
    const remote = a.remotePort ? ` -> ${host(a.remoteAddr)}:${String(a.remotePort)}` : '';
    // A udp or raw socket not connected is in the kernel's TCP_CLOSE: shown as
    // ss shows it (UNCONN), since "CLOSE" reads as a socket being closed.
    const state = a.proto !== 'tcp' && a.state === 'CLOSE' ? 'UNCONN' : String(a.state);
    // A listener's queue against its limit: one at its backlog refuses (drops) new connections.
    const queues = a.backlogKnown && a.state === 'LISTEN' ? ` accept-q ${String(a.rxQueue)} of ${String(a.backlog)}` : queuesText(a);
    return `${String(a.proto)}${String(a.family)} ${host(a.localAddr)}:${String(a.localPort)}${remote} ${state}${queues}`;
  },
});
