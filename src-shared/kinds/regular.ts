import { defineKind } from './schema.js';
import { displayBStr } from '../model/bstr.js';
import { modeType } from '../model/flags.js';

/** What an O_PATH fd on something that is not a regular file is, said after its name (lsof's TYPE LINK, sock, ...). */
const NOT_REGULAR: Record<string, string> = {
  symlink: 'symlink',
  socket: 'socket file',
  fifo: 'FIFO',
  char: 'character device',
  block: 'block device',
};

/**
 * A file opened by path that no other kind claims: a regular file, and an
 * O_PATH fd on a symlink (O_NOFOLLOW) or a socket file, which its mode
 * tells apart and its summary says.
 */
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
  summary: (f) => {
    const what = f.mode ? NOT_REGULAR[modeType(f.mode)] : undefined;
    return what ? `${displayBStr(f.path)} (${what})` : displayBStr(f.path);
  },
});
