/** REG: a file opened by path (regular file, directory, device, O_PATH): files.img's reg_file_entry. */
import { bstrFromBytes } from '../../../../src-shared/model/index.js';
import { endAttrs } from '../../proc/classify/pipes.js';
import { REG_FILE } from '../messages.js';
import type { Message } from '../protobuf.js';
import {
  bool,
  bytes,
  defineFdType,
  num,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFMT,
  u64,
  type Converted,
  type FdTypeContext,
} from './types.js';

/** The common fields of a file opened by path, from its reg_file_entry (also the file behind a FIFO or TTY). */
export function regCommon(reg: Message, ctx: FdTypeContext): Omit<Converted, 'kind'> {
  const unlinked = ctx.unlinked(num(reg, 'id'));
  const deleted = unlinked !== null;
  const mnt = num(reg, 'mnt_id', -1);
  return {
    path: bstrFromBytes(bytes(reg, 'name')),
    flags: num(reg, 'flags'),
    pos: u64(reg, 'pos'),
    mode: num(reg, 'mode'),
    size: u64(reg, 'size'),
    mntId: mnt < 0 ? 0 : mnt,
    deleted,
    // CRIU records no link count: a ghost file had none, any other (by name, or a linked remap) at least one.
    nlink: unlinked === 'ghost' ? 0 : 1,
  };
}

export default defineFdType({
  type: 'REG',
  code: 1,
  field: 3,
  spec: REG_FILE,
  convert(reg, ctx) {
    const c = regCommon(reg, ctx);
    const fmt = (c.mode ?? 0) & S_IFMT;
    const kind =
      fmt === S_IFDIR ? 'directory' : fmt === S_IFCHR ? 'chardev' : fmt === S_IFBLK ? 'blockdev' : fmt === S_IFIFO ? 'fifo' : 'regular';
    // A file given to criu dump with --external file[MNT:INO]: CRIU keeps that key as its name, not its path (files-reg.c dump_one_reg_file).
    const external = bool(reg, 'ext');
    return {
      ...c,
      kind,
      ...(kind === 'fifo' ? { attrs: endAttrs(c.flags) } : {}),
      ...(external ? { note: 'an external file (criu --external): the dump keeps its key as its name, not its path' } : {}),
    };
  },
});
