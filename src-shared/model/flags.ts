/**
 * open(2) status flags as Linux numbers them on x86_64 and aarch64 (the
 * generic asm-generic/fcntl.h values) and their O_ names, for display and
 * for the `flags:` search field.
 */
export const O = {
  O_RDONLY: 0,
  O_WRONLY: 0o1,
  O_RDWR: 0o2,
  O_CREAT: 0o100,
  O_EXCL: 0o200,
  O_NOCTTY: 0o400,
  O_TRUNC: 0o1000,
  O_APPEND: 0o2000,
  O_NONBLOCK: 0o4000,
  O_DSYNC: 0o10000,
  O_ASYNC: 0o20000,
  O_DIRECT: 0o40000,
  O_LARGEFILE: 0o100000,
  O_DIRECTORY: 0o200000,
  O_NOFOLLOW: 0o400000,
  O_NOATIME: 0o1000000,
  O_CLOEXEC: 0o2000000,
  O_SYNC: 0o4010000,
  O_PATH: 0o10000000,
  O_TMPFILE: 0o20200000,
} as const;

export const O_ACCMODE = 0o3;

const bits = (v: number) => v.toString(2).replace(/0/g, '').length;
// Names of several bits first: O_SYNC is O_DSYNC and one more bit, O_TMPFILE
// is O_DIRECTORY and one more; taken in numeric order, O_SYNC showed as
// O_DSYNC|0o4000000.
const NAMED: [string, number][] = Object.entries(O)
  .filter(([n]) => n !== 'O_RDONLY' && n !== 'O_WRONLY' && n !== 'O_RDWR')
  .sort((a, b) => bits(b[1]) - bits(a[1]) || a[1] - b[1]);

/** "O_RDWR|O_APPEND|O_NONBLOCK"; unknown bits are kept as octal. */
export function flagNames(flags: number): string[] {
  const acc = flags & O_ACCMODE;
  const out = [acc === 0 ? 'O_RDONLY' : acc === 1 ? 'O_WRONLY' : acc === 2 ? 'O_RDWR' : 'O_ACCMODE'];
  let rest = flags & ~O_ACCMODE;
  const named: [string, number][] = [];
  for (const [name, bit] of NAMED) {
    if ((rest & bit) === bit && bit !== 0) {
      named.push([name, bit]);
      rest &= ~bit;
    }
  }
  // Shown in the order of their lowest bit, as the kernel's numbering goes.
  named.sort((a, b) => (a[1] & -a[1]) - (b[1] & -b[1]));
  for (const [name] of named) out.push(name);
  if (rest) out.push('0o' + rest.toString(8));
  return out;
}

export function formatFlags(flags: number): string {
  return flagNames(flags).join('|');
}

/** The bits of an O_ name, or undefined; accepts "rdonly", "O_APPEND", "append". */
export function flagByName(name: string): { mask: number; value: number } | undefined {
  const n = name.toUpperCase().startsWith('O_') ? name.toUpperCase() : 'O_' + name.toUpperCase();
  if (n === 'O_RDONLY') return { mask: O_ACCMODE, value: 0 };
  if (n === 'O_WRONLY') return { mask: O_ACCMODE, value: 1 };
  if (n === 'O_RDWR') return { mask: O_ACCMODE, value: 2 };
  const bit = (O as Record<string, number>)[n];
  return bit === undefined ? undefined : { mask: bit, value: bit };
}

/** st_mode's file type bits (<sys/stat.h>), one definition for every source. */
export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;

/** st_mode file type letter as ls shows it. */
export function modeType(mode: number): string {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return 'regular';
    case S_IFDIR:
      return 'directory';
    case S_IFCHR:
      return 'char';
    case S_IFBLK:
      return 'block';
    case S_IFIFO:
      return 'fifo';
    case S_IFSOCK:
      return 'socket';
    case S_IFLNK:
      return 'symlink';
    default:
      return mode ? 'other' : 'none';
  }
}
