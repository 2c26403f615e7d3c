/** MEMFD: a memfd_create file (memfd_file_entry); its name and size are in memfd.img
 * (CRIU's MEMFD_INODE image: image-desc.c names it "memfd"). */
import { bstrFromBytes } from '../../../../src-shared/model/index.js';
import { FOWN, MAGIC } from '../messages.js';
import type { MessageSpec } from '../protobuf.js';
import { bytes, defineFdType, num, S_IFREG, u64 } from './types.js';

const MEMFD_INODE: MessageSpec = {
  name: 'memfd_inode_entry',
  fields: {
    1: { name: 'name', type: 'string' },
    4: { name: 'size', type: 'uint64' },
    7: { name: 'inode_id', type: 'uint64' },
  },
  required: [1, 7],
};

export default defineFdType({
  type: 'MEMFD',
  code: 18,
  field: 20,
  spec: {
    name: 'memfd_file_entry',
    fields: {
      1: { name: 'id', type: 'uint32' },
      2: { name: 'flags', type: 'uint32' },
      3: { name: 'pos', type: 'uint64' },
      4: { name: 'fown', type: 'message', of: FOWN },
      5: { name: 'inode_id', type: 'uint32' },
    },
    required: [1, 2, 3, 5],
  },
  convert(m, ctx) {
    const inode = ctx.entriesBy('memfd.img', MAGIC.MEMFD_INODE, MEMFD_INODE, 'inode_id').get(num(m, 'inode_id'))?.[0];
    const name = inode ? bytes(inode, 'name') : new Uint8Array(0);
    // As /proc shows one: "/memfd:NAME (deleted)", kept without the suffix.
    const path = new Uint8Array(7 + name.length);
    path.set(new TextEncoder().encode('/memfd:'));
    path.set(name, 7);
    return {
      kind: 'memfd',
      path: bstrFromBytes(path),
      flags: num(m, 'flags'),
      pos: u64(m, 'pos'),
      mode: S_IFREG | 0o777,
      size: inode ? u64(inode, 'size') : 0,
      deleted: true,
      nlink: 0,
      attrs: { name: bstrFromBytes(name) },
      ...(inode ? {} : { note: `no memfd_inode_entry ${num(m, 'inode_id')} in ${ctx.display('memfd.img')}` }),
    };
  },
});
