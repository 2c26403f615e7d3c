import { defineKind } from './schema.js';

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
        { name: 'events', type: 'u32', label: 'Event mask' },
        { name: 'data', type: 'u64', label: 'User data' },
        { name: 'ino', type: 'u64', label: 'Target inode' },
        { name: 'sdev', type: 'u32', label: 'Target device' },
        { name: 'file', type: 'objref', label: 'Target open file' },
      ],
    },
  ],
  summary: (f) => `epoll watching ${(f.attrs.watches as unknown[]).length}`,
});
