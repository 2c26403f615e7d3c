import { defineKind } from './schema.js';
import { formatDevice } from './format.js';
import { inotifyMaskText } from './masks.js';

export default defineKind({
  code: 15,
  name: 'inotify',
  label: 'inotify',
  fields: [
    {
      name: 'watches',
      type: 'list',
      label: 'Watches',
      of: [
        { name: 'wd', type: 'u32', label: 'Watch descriptor' },
        { name: 'ino', type: 'u64', label: 'Inode' },
        { name: 'sdev', type: 'u32', label: 'Device', show: formatDevice },
        { name: 'mask', type: 'u32', label: 'Mask', show: inotifyMaskText },
        { name: 'ignoredMask', type: 'u32', label: 'Ignored mask', show: inotifyMaskText },
      ],
    },
  ],
  summary: (f) => {
    const n = (f.attrs.watches as unknown[]).length;
    return `inotify with ${n} watch${n === 1 ? '' : 'es'}`;
  },
});
