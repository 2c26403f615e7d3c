/** FANOTIFY: a fanotify group (fanotify_file_entry): init and event flags, and its marks as text. */
import { FOWN } from '../messages.js';
import { defineFdType, list, num, sub, u64 } from './types.js';

export default defineFdType({
  type: 'FANOTIFY',
  code: 12,
  field: 14,
  spec: {
    name: 'fanotify_file_entry',
    fields: {
      1: { name: 'id', type: 'uint32' },
      2: { name: 'flags', type: 'uint32' },
      3: { name: 'fown', type: 'message', of: FOWN },
      4: { name: 'faflags', type: 'uint32' },
      5: { name: 'evflags', type: 'uint32' },
      6: {
        name: 'mark',
        type: 'message',
        repeated: true,
        of: {
          name: 'fanotify_mark_entry',
          fields: {
            2: { name: 'type', type: 'enum' },
            3: { name: 'mflags', type: 'uint32' },
            4: { name: 'mask', type: 'uint32' },
            5: { name: 'ignored_mask', type: 'uint32' },
            6: { name: 's_dev', type: 'uint32' },
            7: { name: 'ie', type: 'message', of: { name: 'fanotify_inode_mark_entry', fields: { 1: { name: 'i_ino', type: 'uint64' } } } },
            8: {
              name: 'me',
              type: 'message',
              of: { name: 'fanotify_mount_mark_entry', fields: { 1: { name: 'mnt_id', type: 'uint32' } } },
            },
          },
        },
      },
    },
    required: [1, 2, 4, 5],
  },
  convert: (m) => ({
    kind: 'fanotify',
    path: 'anon_inode:[fanotify]',
    flags: num(m, 'flags'),
    attrs: {
      initFlags: num(m, 'faflags'),
      eventFlags: num(m, 'evflags'),
      // In the words of /proc/PID/fdinfo's fanotify lines.
      marks: list(m, 'mark').map((k) => {
        const hex = (n: string) => num(k, n).toString(16);
        const ie = sub(k, 'ie');
        const me = sub(k, 'me');
        const what = ie
          ? `fanotify ino:${u64(ie, 'i_ino').toString(16)} sdev:${hex('s_dev')}`
          : me
            ? `fanotify mnt_id:${num(me, 'mnt_id').toString(16)}`
            : 'fanotify';
        return { text: `${what} mflags:${hex('mflags')} mask:${hex('mask')} ignored_mask:${hex('ignored_mask')}` };
      }),
    },
  }),
});
