/** NS: a namespace file (/proc/PID/ns/TYPE opened), by its clone flag. */
import { defineFdType, num } from './types.js';

const TYPES: Record<number, string> = {
  0x00020000: 'mnt',
  0x02000000: 'cgroup',
  0x04000000: 'uts',
  0x08000000: 'ipc',
  0x10000000: 'user',
  0x20000000: 'pid',
  0x40000000: 'net',
  0x00000080: 'time',
};

export default defineFdType({
  type: 'NS',
  code: 14,
  field: 5,
  spec: {
    name: 'ns_file_entry',
    fields: {
      1: { name: 'id', type: 'uint32' },
      2: { name: 'ns_id', type: 'uint32' },
      3: { name: 'ns_cflag', type: 'uint32' },
      4: { name: 'flags', type: 'uint32' },
    },
    required: [1, 2, 3, 4],
  },
  convert(m) {
    const flag = num(m, 'ns_cflag') >>> 0;
    const t = TYPES[flag] ?? `0x${flag.toString(16)}`;
    // CRIU names a namespace by its own id, not its inode: the inode is not known.
    return { kind: 'nsfd', path: `${t}:[?]`, flags: num(m, 'flags'), attrs: { nsType: t } };
  },
});
