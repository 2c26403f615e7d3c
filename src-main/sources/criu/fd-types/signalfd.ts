/** SIGNALFD: its signal mask (signalfd_entry). */
import { FOWN } from '../messages.js';
import { defineFdType, num, u64 } from './types.js';

export default defineFdType({
  type: 'SIGNALFD',
  code: 9,
  field: 10,
  spec: {
    name: 'signalfd_entry',
    fields: {
      1: { name: 'id', type: 'uint32' },
      2: { name: 'flags', type: 'uint32' },
      3: { name: 'fown', type: 'message', of: FOWN },
      4: { name: 'sigmask', type: 'uint64' },
    },
    required: [1, 2, 4],
  },
  convert: (m) => ({ kind: 'signalfd', path: 'anon_inode:[signalfd]', flags: num(m, 'flags'), attrs: { sigmask: u64(m, 'sigmask') } }),
});
