/**
 * TTY: a terminal (tty_file_entry): its tty_info_entry (tty-info.img) says
 * which (a pty's index, the device number), its reg_file_entry its name.
 * A pty side is kind pty; consoles, VTs and serial lines are chardev.
 */
import { MAGIC } from '../messages.js';
import type { MessageSpec } from '../protobuf.js';
import { FOWN } from '../messages.js';
import { defineFdType, num, S_IFCHR, sub } from './types.js';
import { regCommon } from './reg.js';

const TTY_INFO: MessageSpec = {
  name: 'tty_info_entry',
  fields: {
    1: { name: 'id', type: 'uint32' },
    2: { name: 'type', type: 'enum' },
    8: { name: 'rdev', type: 'uint32' },
    12: { name: 'pty', type: 'message', of: { name: 'tty_pty_entry', fields: { 1: { name: 'index', type: 'uint32' } } } },
  },
  required: [1, 2],
};
const PTY = 1;
const TTYAUX_MAJOR = 5;
const PTY_MASTER_MAJOR = 2;

/** A device number as CRIU keeps it (the kernel's MAJOR << 20 | MINOR) as st_rdev numbers it. */
export function userDev(kdev: number): number {
  const major = kdev >>> 20;
  const minor = kdev & 0xfffff;
  return ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & ~0xff) << 12);
}

export default defineFdType({
  type: 'TTY',
  code: 11,
  field: 19,
  spec: {
    name: 'tty_file_entry',
    fields: {
      1: { name: 'id', type: 'uint32' },
      2: { name: 'tty_info_id', type: 'uint32' },
      3: { name: 'flags', type: 'uint32' },
      4: { name: 'fown', type: 'message', of: FOWN },
      6: { name: 'regf_id', type: 'uint32' },
    },
    required: [1, 2, 3],
  },
  convert(m, ctx) {
    const reg = ctx.reg(num(m, 'regf_id', num(m, 'id')));
    const info = (ctx.image('tty-info.img', MAGIC.TTY_INFO, TTY_INFO) ?? []).find((e) => num(e.msg, 'id') === num(m, 'tty_info_id'))?.msg;
    const base = reg ? regCommon(reg, ctx) : { path: '', flags: num(m, 'flags') };
    const flags = num(m, 'flags');
    if (!info)
      return {
        ...base,
        flags,
        kind: 'chardev',
        mode: S_IFCHR,
        note: `no tty_info_entry ${num(m, 'tty_info_id')} in ${ctx.display('tty-info.img')}`,
      };
    const kdev = num(info, 'rdev');
    const rdev = userDev(kdev);
    const mode = ('mode' in base && base.mode) || S_IFCHR;
    if (num(info, 'type') === PTY) {
      const major = kdev >>> 20;
      const master = (major === TTYAUX_MAJOR && (kdev & 0xfffff) === 2) || major === PTY_MASTER_MAJOR;
      const index = num(sub(info, 'pty') ?? {}, 'index');
      return { ...base, flags, kind: 'pty', mode, rdev, attrs: { index, master } };
    }
    return { ...base, flags, kind: 'chardev', mode, rdev };
  },
});
