/** PACKETSK: an AF_PACKET socket (packet_sock_entry). CRIU keeps no inode for it. */
import { FOWN } from '../messages.js';
import { defineFdType, num, S_IFSOCK } from './types.js';

export default defineFdType({
  type: 'PACKETSK',
  code: 10,
  field: 6,
  spec: {
    name: 'packet_sock_entry',
    fields: {
      1: { name: 'id', type: 'uint32' },
      2: { name: 'type', type: 'uint32' },
      3: { name: 'protocol', type: 'uint32' },
      4: { name: 'flags', type: 'uint32' },
      5: { name: 'ifindex', type: 'uint32' },
      6: { name: 'fown', type: 'message', of: FOWN },
    },
    required: [1, 2, 3, 4, 5],
  },
  convert: (m) => ({
    kind: 'packet-socket',
    path: 'socket:[?]',
    flags: num(m, 'flags'),
    mode: S_IFSOCK | 0o777,
    // The protocol as the socket() call gave it (network byte order), as /proc/net/packet shows it swapped.
    attrs: { type: num(m, 'type'), protocol: num(m, 'protocol'), ifindex: num(m, 'ifindex') },
  }),
});
