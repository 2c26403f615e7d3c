/** FIFO: a named pipe; pipe_id is its inode, regf_id the reg_file_entry with its name, flags and position. */
import { endAttrs } from '../../proc/classify/pipes.js';
import { defineFdType, num, S_IFIFO } from './types.js';
import { regCommon } from './reg.js';

export default defineFdType({
  type: 'FIFO',
  code: 3,
  field: 17,
  spec: {
    name: 'fifo_entry',
    fields: { 1: { name: 'id', type: 'uint32' }, 2: { name: 'pipe_id', type: 'uint32' }, 3: { name: 'regf_id', type: 'uint32' } },
    required: [1, 2],
  },
  convert(m, ctx) {
    const ino = num(m, 'pipe_id');
    // CRIU before 3.x used the fifo's own id for its reg_file_entry.
    const reg = ctx.reg(num(m, 'regf_id', num(m, 'id')));
    if (!reg)
      return {
        kind: 'fifo',
        path: '',
        flags: 0,
        ino,
        mode: S_IFIFO,
        attrs: { end: 'read' },
        note: `no reg_file_entry ${num(m, 'regf_id')} for the FIFO in files.img`,
      };
    const c = regCommon(reg, ctx);
    return { ...c, kind: 'fifo', ino, mode: c.mode || S_IFIFO, attrs: endAttrs(c.flags) };
  },
});
