/** INOTIFY: an inotify instance and its watches (inotify_wd_entry). */
import { FOWN } from '../messages.js';
import { defineFdType, list, num, u64 } from './types.js';

export default defineFdType({
  type: 'INOTIFY',
  code: 8,
  field: 13,
  spec: {
    name: 'inotify_file_entry',
    fields: {
      1: { name: 'id', type: 'uint32' },
      2: { name: 'flags', type: 'uint32' },
      4: { name: 'fown', type: 'message', of: FOWN },
      5: {
        name: 'wd',
        type: 'message',
        repeated: true,
        of: {
          name: 'inotify_wd_entry',
          fields: {
            1: { name: 'id', type: 'uint32' },
            2: { name: 'i_ino', type: 'uint64' },
            3: { name: 'mask', type: 'uint32' },
            4: { name: 'ignored_mask', type: 'uint32' },
            5: { name: 's_dev', type: 'uint32' },
            6: { name: 'wd', type: 'uint32' },
          },
        },
      },
    },
    required: [1, 2],
  },
  convert: (m) => ({
    kind: 'inotify',
    path: 'anon_inode:inotify',
    flags: num(m, 'flags'),
    attrs: {
      watches: list(m, 'wd').map((w) => ({
        wd: num(w, 'wd'),
        ino: u64(w, 'i_ino'),
        sdev: num(w, 's_dev'),
        mask: num(w, 'mask'),
        ignoredMask: num(w, 'ignored_mask'),
      })),
    },
  }),
});
