import { defineKind } from './schema.js';
import { formatDevice } from './format.js';
import { epollEventsText } from './masks.js';

/**
 * An epoll instance and what it watches. `file` is the objref of the watched
 * open file when the capture could resolve it (0 otherwise); the writer puts
 * those files in the image before the epoll that references them.
 */
export default defineKind({
  code: 14,
  name: 'epoll',
  label: 'epoll',
  fields: [
    {
      name: 'watches',
      type: 'list',
      label: 'Watched descriptors',
      of: [
        { name: 'tfd', type: 'u32', label: 'Target fd' },
        { name: 'events', type: 'u32', label: 'Event mask', show: epollEventsText },
        { name: 'data', type: 'u64', label: 'User data' },
        { name: 'ino', type: 'u64', label: 'Target inode' },
        { name: 'sdev', type: 'u32', label: 'Target device', show: formatDevice },
        { name: 'file', type: 'objref', label: 'Target open file' },
      ],
    },
  ],
  // The watched fds by number, as lsof's [eventpoll:3,5]: which of the
  // process's fds an event loop waits on is the question.
  summary: (f) => {
    const w = f.attrs.watches as { tfd: number }[];
    if (!w.length) return 'epoll watching 0';
    const fds = w
      .slice(0, 8)
      .map((x) => x.tfd)
      .join(', ');
    return `epoll watching ${w.length} (fd${w.length === 1 ? '' : 's'} ${fds}${w.length > 8 ? ', …' : ''})`;
  },
});
