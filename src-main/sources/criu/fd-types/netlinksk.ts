/** NETLINKSK: a netlink socket (netlink_sk_entry). */
import { FOWN } from '../messages.js';
import { defineFdType, num, nums, S_IFSOCK } from './types.js';

export default defineFdType({
  type: 'NETLINKSK',
  code: 13,
  field: 7,
  spec: {
    name: 'netlink_sk_entry',
    fields: {
      1: { name: 'id', type: 'uint32' },
      2: { name: 'ino', type: 'uint32' },
      3: { name: 'protocol', type: 'uint32' },
      6: { name: 'flags', type: 'uint32' },
      7: { name: 'portid', type: 'uint32' },
      8: { name: 'groups', type: 'uint32', repeated: true },
      11: { name: 'fown', type: 'message', of: FOWN },
    },
    required: [1, 2, 3, 6, 7],
  },
  convert(m) {
    const ino = num(m, 'ino');
    // The first word of the group bitmap, as /proc/net/netlink's Groups column.
    const groups = nums(m, 'groups')[0] ?? 0;
    return {
      kind: 'netlink-socket',
      path: `socket:[${ino}]`,
      flags: num(m, 'flags'),
      ino,
      mode: S_IFSOCK | 0o777,
      attrs: { protocol: num(m, 'protocol'), portId: num(m, 'portid'), groups: groups >>> 0 },
    };
  },
});
