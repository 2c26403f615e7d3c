/** PIPE: one end of a pipe; pipe_id is the pipe's inode, shared by both ends. */
import { endAttrs } from '../../proc/classify/pipes.js';
import { FOWN } from '../messages.js';
import { defineFdType, num, S_IFIFO } from './types.js';

export default defineFdType({
  type: 'PIPE',
  code: 2,
  field: 18,
  spec: {
    name: 'pipe_entry',
    fields: {
      1: { name: 'id', type: 'uint32' },
      2: { name: 'pipe_id', type: 'uint32' },
      3: { name: 'flags', type: 'uint32' },
      4: { name: 'fown', type: 'message', of: FOWN },
    },
    required: [1, 2, 3],
  },
  convert(m) {
    const ino = num(m, 'pipe_id');
    const flags = num(m, 'flags');
    // A pipe end is read-only or write-only; O_RDWR (a pipe reopened through /proc/PID/fd) is "both", as the /proc capture says.
    return {
      kind: 'pipe',
      path: `pipe:[${ino}]`,
      flags,
      ino,
      mode: S_IFIFO | 0o600,
      attrs: endAttrs(flags),
    };
  },
});
