/** EVENTFD: counter and file flags (eventfd_file_entry). */
import { FOWN } from '../messages.js';
import { defineFdType, num, u64 } from './types.js';

export default defineFdType({
  type: 'EVENTFD',
  code: 6,
  field: 8,
  spec: {
    name: 'eventfd_file_entry',
    fields: {
      1: { name: 'id', type: 'uint32' },
      2: { name: 'flags', type: 'uint32' },
      3: { name: 'fown', type: 'message', of: FOWN },
      4: { name: 'counter', type: 'uint64' },
    },
    required: [1, 2, 4],
  },
  convert(m) {
    // CRIU keeps neither the kernel's eventfd id nor EFD_SEMAPHORE (it is not in f_flags): 0 and false.
    return {
      kind: 'eventfd',
      path: 'anon_inode:[eventfd]',
      flags: num(m, 'flags'),
      attrs: { count: u64(m, 'counter'), id: 0, semaphore: false },
    };
  },
});
