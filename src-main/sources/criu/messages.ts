/**
 * The CRIU messages this source reads, with the field numbers of CRIU's
 * .proto files (images/*.proto; pycriu's *_pb2.py descriptors carry the same
 * numbers), and the magic numbers of the image files that hold them
 * (criu/include/magic.h, pycriu/images/magic.py). Only the fields used are
 * listed: the decoder skips the rest. The messages of each fd type live
 * with its handler in fd-types/.
 */
import type { MessageSpec } from './protobuf.js';

/** The first u32 of every image but inventory.img (CRIU image format v1.1). */
export const IMG_COMMON = 1414939417;
/** The first u32 of stats-*.img and irmap-cache.img. */
export const IMG_SERVICE = 1427134784;

export const MAGIC = {
  INVENTORY: 1479618838,
  PSTREE: 1344745520,
  FDINFO: 1445017394,
  CORE: 1426405447,
  IDS: 1413685296,
  FILES: 1445998904,
  FS: 1363163410,
  REMAP_FPATH: 1494432084,
  UTSNS: 1413952003,
  TTY_INFO: 1497706550,
  MEMFD_INODE: 1212495001,
  FILE_LOCKS: 1412576790,
  STATS: 1460220678,
  REG_FILES: 1345730102,
} as const;

export const FOWN: MessageSpec = {
  name: 'fown_entry',
  fields: { 1: { name: 'uid', type: 'uint32' }, 5: { name: 'pid', type: 'uint32' } },
};

export const TASK_KOBJ_IDS: MessageSpec = {
  name: 'task_kobj_ids_entry',
  fields: {
    1: { name: 'vm_id', type: 'uint32' },
    2: { name: 'files_id', type: 'uint32' },
    3: { name: 'fs_id', type: 'uint32' },
    4: { name: 'sighand_id', type: 'uint32' },
  },
  required: [2],
};

export const INVENTORY: MessageSpec = {
  name: 'inventory_entry',
  fields: {
    1: { name: 'img_version', type: 'uint32' },
    2: { name: 'fdinfo_per_id', type: 'bool' },
    3: { name: 'root_ids', type: 'message', of: TASK_KOBJ_IDS },
    8: { name: 'dump_uptime', type: 'uint64' },
  },
  required: [1],
};

export const PSTREE: MessageSpec = {
  name: 'pstree_entry',
  fields: {
    1: { name: 'pid', type: 'uint32' },
    2: { name: 'ppid', type: 'uint32' },
    3: { name: 'pgid', type: 'uint32' },
    4: { name: 'sid', type: 'uint32' },
    5: { name: 'threads', type: 'uint32', repeated: true },
  },
  required: [1, 2],
};

const RLIMIT: MessageSpec = {
  name: 'rlimit_entry',
  fields: { 1: { name: 'cur', type: 'uint64' }, 2: { name: 'max', type: 'uint64' } },
  required: [1, 2],
};

const CREDS: MessageSpec = {
  name: 'creds_entry',
  fields: {
    1: { name: 'uid', type: 'uint32' },
    2: { name: 'gid', type: 'uint32' },
    3: { name: 'euid', type: 'uint32' },
    4: { name: 'egid', type: 'uint32' },
  },
};

export const CORE: MessageSpec = {
  name: 'core_entry',
  fields: {
    1: { name: 'mtype', type: 'enum' },
    3: {
      name: 'tc',
      type: 'message',
      of: {
        name: 'task_core_entry',
        fields: {
          1: { name: 'task_state', type: 'uint32' },
          2: { name: 'exit_code', type: 'uint32' },
          6: { name: 'comm', type: 'string' },
          8: {
            name: 'rlimits',
            type: 'message',
            of: { name: 'task_rlimits_entry', fields: { 1: { name: 'rlimits', type: 'message', repeated: true, of: RLIMIT } } },
          },
        },
      },
    },
    4: { name: 'ids', type: 'message', of: TASK_KOBJ_IDS },
    5: {
      name: 'thread_core',
      type: 'message',
      of: {
        name: 'thread_core_entry',
        fields: { 10: { name: 'creds', type: 'message', of: CREDS }, 13: { name: 'comm', type: 'string' } },
      },
    },
  },
};

export const FDINFO: MessageSpec = {
  name: 'fdinfo_entry',
  fields: {
    1: { name: 'id', type: 'uint32' },
    2: { name: 'flags', type: 'uint32' },
    3: { name: 'type', type: 'enum' },
    4: { name: 'fd', type: 'uint32' },
  },
  required: [1, 2, 3, 4],
};

export const FS: MessageSpec = {
  name: 'fs_entry',
  fields: { 1: { name: 'cwd_id', type: 'uint32' }, 2: { name: 'root_id', type: 'uint32' } },
  required: [1, 2],
};

/** A regular file (reg_file_entry): REG fds, and the file behind FIFO and TTY fds, cwd and root. */
export const REG_FILE: MessageSpec = {
  name: 'reg_file_entry',
  fields: {
    1: { name: 'id', type: 'uint32' },
    2: { name: 'flags', type: 'uint32' },
    3: { name: 'pos', type: 'uint64' },
    5: { name: 'fown', type: 'message', of: FOWN },
    6: { name: 'name', type: 'string' },
    7: { name: 'mnt_id', type: 'sint32' },
    8: { name: 'size', type: 'uint64' },
    9: { name: 'ext', type: 'bool' },
    10: { name: 'mode', type: 'uint32' },
  },
  required: [1, 2, 6],
};

export const REMAP_FPATH: MessageSpec = {
  name: 'remap_file_path_entry',
  fields: {
    1: { name: 'orig_id', type: 'uint32' },
    2: { name: 'remap_id', type: 'uint32' },
    3: { name: 'remap_type', type: 'enum' },
  },
  required: [1, 2],
};

export const UTSNS: MessageSpec = {
  name: 'utsns_entry',
  fields: { 1: { name: 'nodename', type: 'string' }, 2: { name: 'domainname', type: 'string' } },
};

export const FILE_LOCK: MessageSpec = {
  name: 'file_lock_entry',
  fields: {
    1: { name: 'flag', type: 'uint32' },
    2: { name: 'type', type: 'uint32' },
    3: { name: 'pid', type: 'int32' },
    4: { name: 'fd', type: 'int32' },
    5: { name: 'start', type: 'int64' },
    6: { name: 'len', type: 'int64' },
  },
  required: [1, 2, 3, 4, 5, 6],
};

/** CRIU's fd_types enum (images/fdinfo.proto). */
export const FD_TYPE_NAMES: Record<number, string> = {
  0: 'UND',
  1: 'REG',
  2: 'PIPE',
  3: 'FIFO',
  4: 'INETSK',
  5: 'UNIXSK',
  6: 'EVENTFD',
  7: 'EVENTPOLL',
  8: 'INOTIFY',
  9: 'SIGNALFD',
  10: 'PACKETSK',
  11: 'TTY',
  12: 'FANOTIFY',
  13: 'NETLINKSK',
  14: 'NS',
  15: 'TUNF',
  16: 'EXT',
  17: 'TIMERFD',
  18: 'MEMFD',
  19: 'BPFMAP',
  65534: 'CTL_TTY',
  65535: 'AUTOFS_PIPE',
};

/** core_entry.march to uname -m. */
export const ARCH: Record<number, string> = { 1: 'x86_64', 2: 'arm', 3: 'aarch64', 4: 'ppc64le', 5: 's390x', 6: 'mips64' };
