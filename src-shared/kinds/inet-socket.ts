import { defineKind } from './schema.js';

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
    { name: 'rxQueue', type: 'u32', label: 'Receive queue bytes' },
  ],
  summary: (f) => {
    const a = f.attrs;
    const host = (addr: unknown) => (a.family === 6 ? `[${String(addr)}]` : String(addr));
    const remote = a.remotePort ? ` -> ${host(a.remoteAddr)}:${String(a.remotePort)}` : '';
    // Bytes nobody reads (or the peer does not take) are what a stuck socket looks like: as ss's Recv-Q and Send-Q.
    const rq = a.rxQueue ? ` recv-q ${String(a.rxQueue)}` : '';
    const sq = a.txQueue ? ` send-q ${String(a.txQueue)}` : '';
    return `${String(a.proto)}${String(a.family)} ${host(a.localAddr)}:${String(a.localPort)}${remote} ${String(a.state)}${rq}${sq}`;
  },
});
