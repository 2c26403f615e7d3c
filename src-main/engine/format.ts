/**
 * Constants of image format v1; docs/image-format.md is the contract these
 * follow. Record type numbers keep the seed's numbering (checkpoint_hdr.h).
 */
export const MAGIC = Uint8Array.from([0x89, 0x43, 0x4b, 0x50, 0x54, 0x0d, 0x0a, 0x1a]); // \x89CKPT\r\n\x1a

export const RT = {
  HEADER: 1,
  TASK: 101,
  TASK_OBJS: 102,
  FILE_TABLE: 301,
  FILE_DESC: 302,
  FILE: 304,
  TAIL: 9001,
  ERROR: 9999,
} as const;

export const RECORD_NAMES: Record<number, string> = {
  [RT.HEADER]: 'HEADER',
  [RT.TASK]: 'TASK',
  [RT.TASK_OBJS]: 'TASK_OBJS',
  [RT.FILE_TABLE]: 'FILE_TABLE',
  [RT.FILE_DESC]: 'FILE_DESC',
  [RT.FILE]: 'FILE',
  [RT.TAIL]: 'TAIL',
  [RT.ERROR]: 'ERROR',
};

export function recordName(type: number): string {
  return RECORD_NAMES[type] ?? `UNKNOWN(${type})`;
}

export const RECORD_HEADER_LEN = 8;
export const RECORD_ALIGN = 8;
/** No record may be longer than this (an epoll with 500k watches still fits). */
export const MAX_RECORD_LEN = 32 * 1024 * 1024;
/** Objrefs are positive and below this bound. */
export const MAX_OBJREF = 0x7fffffff;
export const TAIL_BODY_LEN = 8 + 32;
/** The TAIL as written, header included: a whole image's checksummed bytes end this far before its end. */
export const TAIL_RECORD_SPAN = RECORD_HEADER_LEN + TAIL_BODY_LEN;
export const FILE_DESC_RECORD_SPAN = 24; // 8 header + 12 body, padded to 8

export const SOURCE_CODES = { proc: 1, sim: 2, criu: 3 } as const;

export const HEADER_FLAG_FROZEN = 1;
export const FILE_FLAG_DELETED = 1;
export const FILE_FLAG_SHARING_INFERRED = 2;
export const TABLE_FLAG_SHARING_INFERRED = 1;
export const FD_FLAG_CLOEXEC = 1;
/** TASK flags (1.2; the field was reserved, 0, before): the fd limit fields hold the task's RLIMIT_NOFILE. */
export const TASK_FLAG_FD_LIMIT = 1;
/** TASK flags (1.3; 0 before): the task was a zombie (exited, not reaped), so it has no fds, cwd or root. */
export const TASK_FLAG_ZOMBIE = 2;
/** TASK flags (1.6; 0 before): the ids-in-user-namespace fields hold the task's uid and gid as its own user namespace sees them. */
export const TASK_FLAG_USERNS_IDS = 4;

export const LOCK_KINDS = ['posix', 'flock', 'ofd', 'lease'] as const;

export function align8(n: number): number {
  return (n + 7) & ~7;
}
