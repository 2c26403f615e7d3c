/**
 * TTY: a terminal (tty_file_entry): its tty_info_entry (tty-info.img) says
 * which (a pty's index, the device number), its reg_file_entry its name.
 * A pty side is kind pty; consoles, VTs and serial lines are chardev.
 */
import { FOWN, MAGIC } from '../messages.js';
import type { MessageSpec } from '../protobuf.js';
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
const PTMX_MINOR = 2;
const UNIX98_PTY_MASTER_MAJOR = 128;
const UNIX98_PTY_MAJOR_COUNT = 8;

/**
 * The major and minor of a device number as CRIU keeps it: tty_info_entry's
 * rdev is the fd's fstat() st_rdev (tty.c dump_tty_info: `info.rdev =
 * p->stat.st_rdev`), glibc's encoding, which CRIU itself splits with
 * major()/minor() (get_tty_driver). Only its low 32 bits are kept.
 */
function majorMinor(rdev: number): [number, number] {
  const major = (rdev >>> 8) & 0xfff;
  const minor = (rdev & 0xff) | ((rdev >>> 12) & 0xfff00);
  return [major, minor];
}

/** Whether the device is a pty master as CRIU's get_tty_driver() tells it: /dev/ptmx (5:2) or a UNIX98 master major. */
function isMaster(rdev: number): boolean {
  const [major, minor] = majorMinor(rdev);
  return (
    (major === TTYAUX_MAJOR && minor === PTMX_MINOR) ||
    (major >= UNIX98_PTY_MASTER_MAJOR && major < UNIX98_PTY_MASTER_MAJOR + UNIX98_PTY_MAJOR_COUNT)
  );
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
    const info = ctx.entriesBy('tty-info.img', MAGIC.TTY_INFO, TTY_INFO, 'id').get(num(m, 'tty_info_id'))?.[0];
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
    // Already st_rdev's encoding: kept as it is.
    const rdev = num(info, 'rdev') >>> 0;
    const mode = ('mode' in base && base.mode) || S_IFCHR;
    if (num(info, 'type') === PTY) {
      const index = num(sub(info, 'pty') ?? {}, 'index');
      return { ...base, flags, kind: 'pty', mode, rdev, attrs: { index, master: isMaster(rdev) } };
    }
    return { ...base, flags, kind: 'chardev', mode, rdev };
  },
});
