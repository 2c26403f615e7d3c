import { defineKind } from './schema.js';

/** A regular file opened by path (also O_PATH fds on files). */
export default defineKind({
  code: 1,
  name: 'regular',
  label: 'Regular file',
  fields: [
    // st_blocks of the target: what the file holds of the disk, which a sparse file's size (st_size) overstates.
    // Known only where a stat gave it (live captures since 1.7), never guessed from the size: see diskHeld().
    { name: 'blocksKnown', type: 'bool', label: 'Blocks known', since: 7 },
    { name: 'blocks', type: 'u64', label: 'Blocks allocated', since: 7 },
  ],
});
