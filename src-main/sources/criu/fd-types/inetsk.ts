/** INETSK: a TCP, UDP, UDP-Lite or raw socket over IPv4 or IPv6 (inet_sk_entry). */
import { TCP_STATES } from '../../../../src-shared/query-fields.js';
import { formatIpv6 } from '../../proc/net-tables.js';
import { FOWN } from '../messages.js';
import type { MessageSpec } from '../protobuf.js';
import { defineFdType, num, nums, S_IFSOCK } from './types.js';

const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_RAW = 3;
const PROTOS: Record<number, string> = { 6: 'tcp', 17: 'udp', 136: 'udplite' };
const TCP_STREAM_MAGIC = 1363563782;
const TCP_LISTEN = 10;
/** What CRIU saved of an established TCP socket's queues: their lengths (SIOCINQ, SIOCOUTQ), then their bytes. */
const TCP_STREAM: MessageSpec = {
  name: 'tcp_stream_entry',
  fields: { 1: { name: 'inq_len', type: 'uint32' }, 3: { name: 'outq_len', type: 'uint32' } },
  required: [1, 3],
};

/**
 * CRIU memcpy()s inet_diag's address bytes (network order) into u32 words
 * (sk-inet.c inet_collect_one), so each word holds four address bytes in
 * the dumped machine's byte order: its little-endian bytes on x86_64,
 * aarch64, ppc64le; its big-endian bytes on s390x.
 */
function addr(family: number, words: number[], bigEndian: boolean): string {
  const b = new Uint8Array(16);
  for (let i = 0; i < Math.min(words.length, 4); i++) {
    const w = words[i]! >>> 0;
    const bytes = [w & 255, (w >>> 8) & 255, (w >>> 16) & 255, w >>> 24];
    if (bigEndian) bytes.reverse();
    b.set(bytes, i * 4);
  }
  return family === AF_INET6 ? formatIpv6(b) : `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

export default defineFdType({
  type: 'INETSK',
  code: 4,
  field: 4,
  spec: {
    name: 'inet_sk_entry',
    fields: {
      1: { name: 'id', type: 'uint32' },
      2: { name: 'ino', type: 'uint32' },
      3: { name: 'family', type: 'uint32' },
      4: { name: 'type', type: 'uint32' },
      5: { name: 'proto', type: 'uint32' },
      6: { name: 'state', type: 'uint32' },
      7: { name: 'src_port', type: 'uint32' },
      8: { name: 'dst_port', type: 'uint32' },
      9: { name: 'flags', type: 'uint32' },
      10: { name: 'backlog', type: 'uint32' },
      11: { name: 'src_addr', type: 'uint32', repeated: true },
      12: { name: 'dst_addr', type: 'uint32', repeated: true },
      13: { name: 'fown', type: 'message', of: FOWN },
    },
    required: [1, 2, 3, 4, 5, 6, 7, 8, 9],
  },
  convert(m, ctx) {
    const ino = num(m, 'ino');
    const family = num(m, 'family');
    const proto = num(m, 'type') === SOCK_RAW ? 'raw' : (PROTOS[num(m, 'proto')] ?? `proto-${num(m, 'proto')}`);
    const state = num(m, 'state');
    const listening = proto === 'tcp' && state === TCP_LISTEN;
    // A connected TCP socket's queues (tcp-stream-INO.img, INO in hex: image-desc.c's "tcp-stream-%x"): bytes unread, bytes not yet
    // acknowledged, as /proc/net/tcp counts them. CRIU writes one for every TCP socket with a peer port (sk-tcp.c dump_one_tcp:
    // ESTABLISHED, and CLOSE_WAIT, FIN_WAIT1 ... as libsoccr saves them), none for a listening or unconnected one.
    const stream =
      proto === 'tcp' && num(m, 'dst_port') !== 0
        ? ctx.firstEntry(`tcp-stream-${ino.toString(16)}.img`, TCP_STREAM_MAGIC, TCP_STREAM)
        : null;
    const note =
      family !== AF_INET && family !== AF_INET6 ? `inet socket of address family ${family}, neither AF_INET nor AF_INET6` : undefined;
    return {
      kind: 'inet-socket',
      path: `socket:[${ino}]`,
      flags: num(m, 'flags'),
      ino,
      mode: S_IFSOCK | 0o777,
      attrs: {
        proto,
        family: family === AF_INET6 ? 6 : 4,
        state: TCP_STATES[state] || String(state),
        localAddr: addr(family, nums(m, 'src_addr'), ctx.bigEndian),
        localPort: num(m, 'src_port') & 0xffff,
        remoteAddr: addr(family, nums(m, 'dst_addr'), ctx.bigEndian),
        remotePort: num(m, 'dst_port') & 0xffff,
        txQueue: stream ? num(stream, 'outq_len') : 0,
        rxQueue: stream ? num(stream, 'inq_len') : 0,
        // A listener's backlog: CRIU records inet_diag's idiag_wqueue (sk_max_ack_backlog), which it listen()s with
        // on restore. Its accept queue is empty: CRIU refuses to dump a listener with connections not yet accepted.
        ...(listening && m.backlog !== undefined
          ? { backlogKnown: true, backlog: num(m, 'backlog') }
          : { backlogKnown: false, backlog: 0 }),
      },
      ...(note ? { note } : {}),
    };
  },
});
