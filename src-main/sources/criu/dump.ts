/**
 * A CRIU dump (the images of `criu dump -D DIR`) as a snapshot: pstree.img
 * gives the processes, their parents and threads; core-PID.img each task's
 * comm, credentials, state and fd limit; ids-PID.img which fd table
 * (files_id) each process uses; fdinfo-ID.img each table's fds; files.img
 * each open file, one per file id, converted by the handler of its fd type
 * (fd-types/). CRIU's identities are the snapshot's refs: fds with one file
 * id share one open file, processes with one files_id one fd table.
 */
import {
  FORMAT_MAJOR,
  FORMAT_MINOR,
  bstrFromBytes,
  type AttrRecord,
  type CaptureError,
  type FdTable,
  type FileLock,
  type OpenFile,
  type Snapshot,
  type Task,
} from '../../../src-shared/model/index.js';
import { emptyAttrs, kindByName } from '../../../src-shared/kinds/index.js';
import { CriuError } from './errors.js';
import { FD_TYPE_BY_CODE, FD_TYPES, type Converted, type FdTypeContext } from './fd-types/index.js';
import { bool, bytes, list, num, sub, u64 } from './fd-types/types.js';
import { needImage, readImage, type DumpFiles, type Entry } from './image.js';
import {
  ARCH,
  CORE,
  FDINFO,
  FD_TYPE_NAMES,
  FILE_LOCK,
  FS,
  INVENTORY,
  MAGIC,
  PSTREE,
  REMAP_FPATH,
  TASK_KOBJ_IDS,
  UTSNS,
} from './messages.js';
import { numberIfSafe, type Message, type MessageSpec } from './protobuf.js';

const O_CLOEXEC = 0o2000000;
const FD_CLOEXEC = 1;
const TASK_DEAD = 2;
/** The kernel's highest possible pid (PID_MAX_LIMIT, include/linux/threads.h, 64-bit): no pid or tid of a dump is above it. */
const PID_MAX_LIMIT = 4 * 1024 * 1024;
/**
 * RLIMIT_NOFILE's index in task_rlimits_entry, which CRIU fills by the dumped
 * machine's resource numbers (prlimit over 0..RLIM_NLIMITS): 7, but 5 on MIPS
 * (arch/mips/include/uapi/asm/resource.h).
 */
const RLIMIT_NOFILE = 7;
const RLIMIT_NOFILE_MIPS = 5;
const RLIM_INFINITY = (1n << 64n) - 1n;
const REMAP_LINKED = 0;
const REMAP_GHOST = 1;
const REMAP_GHOST_BIT = 0x80000000;

/** file_entry: the type, the id, and one field per fd type, each its handler's message. */
const FILE_ENTRY: MessageSpec = {
  name: 'file_entry',
  fields: {
    1: { name: 'type', type: 'enum' },
    2: { name: 'id', type: 'uint32' },
    ...Object.fromEntries(FD_TYPES.map((h) => [h.field, { name: h.type, type: 'message' as const, of: h.spec }])),
  },
  required: [1, 2],
};

/** TASK_KOBJ_IDS with the uts namespace's id, for the hostname. */
const IDS: MessageSpec = { ...TASK_KOBJ_IDS, fields: { ...TASK_KOBJ_IDS.fields, 8: { name: 'uts_ns_id', type: 'uint32' } } };

export interface DumpOptions {
  /** Overrides the capture time (ms), with the words saying where it came from. */
  time?: { ms: number; from: string };
  /** The words for inventory.img's mtime when it is the capture time (header option `time.from`). */
  mtimeFrom?: string;
  /** Extra header options (the archive, the container's name). */
  options?: Record<string, string>;
}

function fdLimitOf(core: Message, arch: string): Task['fdLimit'] {
  const r = list(sub(sub(core, 'tc') ?? {}, 'rlimits') ?? {}, 'rlimits')[arch === 'mips64' ? RLIMIT_NOFILE_MIPS : RLIMIT_NOFILE];
  if (!r) return null;
  const lim = (v: unknown): number | null => {
    const b = typeof v === 'bigint' ? v : BigInt(v as number);
    return b === RLIM_INFINITY || b > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(b);
  };
  return { soft: lim(r.cur), hard: lim(r.max) };
}

export function dumpToSnapshot(files: DumpFiles, opts: DumpOptions = {}): Snapshot {
  const inv = files.get('inventory.img');
  if (!inv)
    throw new CriuError(files.display('inventory.img'), -1, 'missing: not a CRIU images directory (criu dump -D DIR writes inventory.img)');
  const invEntries = needImage(files, 'inventory.img', MAGIC.INVENTORY, INVENTORY, '');
  if (invEntries.length !== 1) throw new CriuError(files.display('inventory.img'), 4, `${invEntries.length} inventory entries, expected 1`);
  const inventory = invEntries[0]!.msg;
  const fdinfoPerId = bool(inventory, 'fdinfo_per_id');

  const pstree = needImage(files, 'pstree.img', MAGIC.PSTREE, PSTREE, 'the dump lists its processes in pstree.img');
  if (pstree.length === 0) throw new CriuError(files.display('pstree.img'), 8, 'no processes');

  // files.img: every open file by id.
  const fileEntries = readImage(files, 'files.img', MAGIC.FILES, FILE_ENTRY);
  if (!fileEntries) {
    const old = files.get('reg-files.img') !== null;
    throw new CriuError(
      files.display('files.img'),
      -1,
      old
        ? 'missing: this dump has the per-type image layout of CRIU before 3.x (reg-files.img ...), which is not read'
        : 'missing: the dump lists its open files in files.img',
    );
  }
  const byId = new Map<number, Entry>();
  for (const e of fileEntries) {
    const id = num(e.msg, 'id');
    if (byId.has(id)) throw new CriuError(files.display('files.img'), e.offset, `two file entries with id ${id}`);
    byId.set(id, e);
  }
  const regOf = (id: number): Message | undefined => {
    const e = byId.get(id);
    return e ? sub(e.msg, 'REG') : undefined;
  };

  const remaps = readImage(files, 'remap-fpath.img', MAGIC.REMAP_FPATH, REMAP_FPATH) ?? [];
  const unlinked = new Map<number, 'ghost' | 'linked'>();
  for (const r of remaps) {
    const rid = num(r.msg, 'remap_id');
    const t = r.msg.remap_type !== undefined ? num(r.msg, 'remap_type') : rid & REMAP_GHOST_BIT ? REMAP_GHOST : REMAP_LINKED;
    if (t === REMAP_GHOST || t === REMAP_LINKED) unlinked.set(num(r.msg, 'orig_id'), t === REMAP_GHOST ? 'ghost' : 'linked');
  }

  const imageCache = new Map<string, Entry[] | null>();
  const indexCache = new Map<string, Map<number, Message[]>>();
  const ctx: FdTypeContext = {
    reg: regOf,
    image(name, magic, spec) {
      if (!imageCache.has(name)) imageCache.set(name, readImage(files, name, magic, spec));
      return imageCache.get(name)!;
    },
    entriesBy(name, magic, spec, field) {
      const key = `${name}\0${field}`;
      let index = indexCache.get(key);
      if (!index) {
        index = new Map();
        for (const e of ctx.image(name, magic, spec) ?? []) {
          const k = num(e.msg, field, -1);
          const have = index.get(k);
          if (have) have.push(e.msg);
          else index.set(k, [e.msg]);
        }
        indexCache.set(key, index);
      }
      return index;
    },
    firstEntry: (name, magic, spec) => readImage(files, name, magic, spec, { first: true })?.[0]?.msg ?? null,
    display: (name) => files.display(name),
    // CRIU's only big-endian architecture; ppc64 and mips64 are the little-endian ppc64le and mips64el.
    get bigEndian() {
      return arch === 's390x';
    },
    unlinked: (id) => unlinked.get(id) ?? null,
  };

  let nextRef = 1;
  const tasks: Task[] = [];
  const fdTables: FdTable[] = [];
  const openFiles: OpenFile[] = [];
  const errors: CaptureError[] = [];
  const fileRef = new Map<number, OpenFile>();
  const tableByFilesId = new Map<number, FdTable>();
  const tableOwner = new Map<FdTable, number>();
  let arch = '';
  let utsNsId: number | undefined;

  const seenPids = new Set<number>();
  /** The open file of file id `id`, named by fd `fd` of pid `pid` in the fdinfo entry at `at` of image `where`. */
  const makeFile = (id: number, fd: number, pid: number, where: string, at: number): OpenFile => {
    const have = fileRef.get(id);
    if (have) return have;
    const e = byId.get(id);
    if (!e) throw new CriuError(where, at, `fd ${fd} of pid ${pid} names file id ${id}, which ${files.display('files.img')} does not have`);
    const code = num(e.msg, 'type');
    const h = FD_TYPE_BY_CODE.get(code);
    const typeName = FD_TYPE_NAMES[code] ?? `type ${code}`;
    let c: Converted;
    const m = h ? sub(e.msg, h.type) : undefined;
    if (h && m) c = h.convert(m, ctx);
    else
      c = {
        kind: 'anon',
        path: `criu:${typeName}`,
        flags: 0,
        attrs: { fdinfo: `criu_type:\t${typeName}\n` },
        note: h
          ? `file entry ${id} of type ${typeName} has no ${h.type} message`
          : `CRIU fd type ${typeName} is not read by this version: kept as anon`,
      };
    const spec = kindByName(c.kind)!;
    const f: OpenFile = {
      ref: nextRef++,
      kind: c.kind,
      path: c.path,
      flags: (c.flags >>> 0) & ~O_CLOEXEC,
      mode: c.mode ?? 0,
      pos: c.pos ?? 0,
      mntId: c.mntId ?? 0,
      dev: c.dev ?? 0,
      ino: c.ino ?? 0,
      rdev: c.rdev ?? 0,
      size: c.size ?? 0,
      nlink: c.nlink ?? 0,
      deleted: c.deleted ?? false,
      // CRIU proves sharing with kcmp(KCMP_FILE) itself.
      sharingInferred: false,
      locks: c.locks ?? [],
      attrs: { ...emptyAttrs(spec), ...c.attrs },
    };
    if (c.note) errors.push({ errno: '', pid, fd, where: files.display('files.img'), message: `file id ${id}: ${c.note}` });
    fileRef.set(id, f);
    openFiles.push(f);
    return f;
  };

  const tableFor = (filesId: number, pid: number): FdTable => {
    const have = tableByFilesId.get(filesId);
    if (have) return have;
    const name = fdinfoPerId ? `fdinfo-${filesId}.img` : `fdinfo-${pid}.img`;
    const entries = needImage(files, name, MAGIC.FDINFO, FDINFO, `the fds of files_id ${filesId} (pid ${pid})`);
    const table: FdTable = { ref: nextRef++, fds: [], sharingInferred: false };
    tableByFilesId.set(filesId, table);
    tableOwner.set(table, pid);
    fdTables.push(table);
    const seen = new Set<number>();
    for (const e of entries) {
      const fd = num(e.msg, 'fd');
      if (fd > 0x7fffffff) throw new CriuError(files.display(name), e.offset, `fd ${fd} is out of range`);
      if (seen.has(fd)) throw new CriuError(files.display(name), e.offset, `fd ${fd} is listed twice`);
      seen.add(fd);
      const f = makeFile(num(e.msg, 'id'), fd, pid, files.display(name), e.offset);
      table.fds.push({ fd, file: f.ref, cloexec: (num(e.msg, 'flags') & FD_CLOEXEC) !== 0 });
    }
    return table;
  };

  for (const pe of pstree) {
    const pid = num(pe.msg, 'pid');
    const ppid = num(pe.msg, 'ppid');
    if (pid === 0 || pid > PID_MAX_LIMIT) throw new CriuError(files.display('pstree.img'), pe.offset, `pid ${pid} is out of range`);
    if (seenPids.has(pid)) throw new CriuError(files.display('pstree.img'), pe.offset, `pid ${pid} is listed twice`);
    seenPids.add(pid);
    const coreName = `core-${pid}.img`;
    const cores = needImage(files, coreName, MAGIC.CORE, CORE, `the state of pid ${pid}`);
    if (cores.length !== 1) throw new CriuError(files.display(coreName), 8, `${cores.length} core entries, expected 1`);
    const core = cores[0]!.msg;
    if (!arch) arch = ARCH[num(core, 'mtype')] ?? '';
    const tc = sub(core, 'tc') ?? {};
    const zombie = num(tc, 'task_state') === TASK_DEAD;
    const creds = sub(sub(core, 'thread_core') ?? {}, 'creds');
    const comm = bstrFromBytes(bytes(tc, 'comm'));
    let fdTable = 0;
    let cwd: Task['cwd'] = '';
    let root: Task['root'] = '';
    if (!zombie) {
      const ids = readImage(files, `ids-${pid}.img`, MAGIC.IDS, IDS)?.[0]?.msg ?? sub(core, 'ids');
      if (!ids || ids.files_id === undefined)
        throw new CriuError(files.display(`ids-${pid}.img`), -1, `missing: which fd table pid ${pid} uses (files_id)`);
      if (utsNsId === undefined && ids.uts_ns_id !== undefined) utsNsId = num(ids, 'uts_ns_id');
      fdTable = tableFor(num(ids, 'files_id'), pid).ref;
      const fs = readImage(files, `fs-${pid}.img`, MAGIC.FS, FS)?.[0]?.msg;
      if (fs) {
        const name = (id: number) => {
          const r = regOf(id);
          return r ? bstrFromBytes(bytes(r, 'name')) : '';
        };
        cwd = name(num(fs, 'cwd_id'));
        root = name(num(fs, 'root_id'));
      } else errors.push({ errno: '', pid, fd: -1, where: files.display(`fs-${pid}.img`), message: 'missing: cwd and root not known' });
    }
    const base: Task = {
      pid,
      tgid: pid,
      ppid,
      uid: creds ? num(creds, 'euid') : 0,
      gid: creds ? num(creds, 'egid') : 0,
      comm,
      // CRIU keeps the command line only inside the dumped memory pages: not read.
      cmdline: [],
      cwd,
      root,
      // CRIU names namespaces by its own ids, not by inode: not recorded.
      namespaces: [],
      fdTable,
      fdLimit: zombie ? null : fdLimitOf(core, arch),
      ...(zombie ? { zombie: true } : {}),
    };
    if (!creds && !zombie)
      errors.push({
        errno: '',
        pid,
        fd: -1,
        where: files.display(coreName),
        message: 'no credentials in the core image: uid and gid shown as 0',
      });
    tasks.push(base);
    for (const tid of (pe.msg.threads as number[] | undefined) ?? []) {
      if (tid === pid) continue;
      if (tid === 0 || tid > PID_MAX_LIMIT) throw new CriuError(files.display('pstree.img'), pe.offset, `thread ${tid} is out of range`);
      if (seenPids.has(tid)) throw new CriuError(files.display('pstree.img'), pe.offset, `thread ${tid} is listed twice`);
      seenPids.add(tid);
      const tcore = readImage(files, `core-${tid}.img`, MAGIC.CORE, CORE)?.[0]?.msg;
      const thc = tcore ? sub(tcore, 'thread_core') : undefined;
      const tcreds = thc ? sub(thc, 'creds') : undefined;
      if (!tcore)
        errors.push({
          errno: '',
          pid: tid,
          fd: -1,
          where: files.display(`core-${tid}.img`),
          message: "missing: the thread's own comm and credentials not known (its process's shown)",
        });
      tasks.push({
        ...base,
        pid: tid,
        comm: thc?.comm !== undefined ? bstrFromBytes(bytes(thc, 'comm')) : base.comm,
        uid: tcreds ? num(tcreds, 'euid') : base.uid,
        gid: tcreds ? num(tcreds, 'egid') : base.gid,
        cmdline: [],
        namespaces: [],
      });
    }
  }

  // Files that name other files (an epoll's targets), through a table that holds them.
  const holder = new Map<number, FdTable>();
  for (const t of fdTables) for (const d of t.fds) if (!holder.has(d.file)) holder.set(d.file, t);
  // Each table's fd -> file, made once per table (not once per file that needs it: 100,000 epolls in one table).
  const fdMaps = new Map<FdTable, Map<number, number>>();
  const fdMap = (t: FdTable) => {
    let m = fdMaps.get(t);
    if (!m) fdMaps.set(t, (m = new Map(t.fds.map((d) => [d.fd, d.file]))));
    return m;
  };
  for (const [id, f] of fileRef) {
    const h = FD_TYPE_BY_CODE.get(num(byId.get(id)!.msg, 'type'));
    if (!h?.link || f.kind === 'anon') continue;
    const fds = fdMap(holder.get(f.ref)!);
    h.link(f.attrs as AttrRecord, (fd) => fds.get(fd) ?? 0);
  }

  // Locks (filelocks.img, as CRIU's image-desc.c names FILE_LOCKS): on the file behind the fd of the process that holds it.
  const locks = readImage(files, 'filelocks.img', MAGIC.FILE_LOCKS, FILE_LOCK) ?? [];
  if (locks.length > 0) {
    const taskByPid = new Map(tasks.map((t) => [t.pid, t]));
    const tableByRef = new Map(fdTables.map((t) => [t.ref, t]));
    const fileByRef = new Map(openFiles.map((f) => [f.ref, f]));
    const fileOf = (pid: number, fd: number): OpenFile | undefined => {
      const task = taskByPid.get(pid);
      const table = task ? tableByRef.get(task.fdTable) : undefined;
      const ref = table ? fdMap(table).get(fd) : undefined;
      return ref !== undefined ? fileByRef.get(ref) : undefined;
    };
    for (const e of locks) addLock(e, fileOf, errors, files);
  }

  let hostname = '';
  if (utsNsId !== undefined) {
    const u = readImage(files, `utsns-${utsNsId}.img`, MAGIC.UTSNS, UTSNS)?.[0]?.msg;
    if (u) hostname = new TextDecoder().decode(bytes(u, 'nodename'));
  }
  return {
    header: {
      formatMajor: FORMAT_MAJOR,
      formatMinor: FORMAT_MINOR,
      arch,
      kernelRelease: '',
      hostname,
      captureTime: Math.max(0, Math.floor(opts.time?.ms ?? inv.mtimeMs)),
      source: 'criu',
      // CRIU freezes the tree for the dump.
      frozen: true,
      options: {
        criu: files.where,
        'criu.imgVersion': String(num(inventory, 'img_version')),
        'time.from': opts.time?.from ?? opts.mtimeFrom ?? 'inventory.img mtime',
        ...opts.options,
      },
      kernelLimits: {},
    },
    tasks,
    fdTables,
    files: openFiles,
    errors,
  };
}

// file_lock_entry.flag in CRIU's own numbering (criu/include/file-lock.h), not the kernel's FL_* (FL_LEASE 32, FL_OFDLCK 1024).
const FL_POSIX = 1;
const FL_FLOCK = 2;
const FL_OFD = 4;
const FL_LEASE = 8;
const F_WRLCK = 1;
/** A lease being broken: its type is the target type with this bit (file-lock.h). */
const LEASE_BREAKING = 4;

function addLock(e: Entry, fileOf: (pid: number, fd: number) => OpenFile | undefined, errors: CaptureError[], dump: DumpFiles): void {
  const pid = num(e.msg, 'pid');
  const fd = num(e.msg, 'fd');
  const flag = num(e.msg, 'flag');
  // The lock's owner as CRIU found it: a dumped task, whose fd names the file.
  const file = fileOf(pid, fd);
  if (!file) {
    errors.push({
      errno: '',
      pid,
      fd,
      where: dump.display('filelocks.img'),
      message: `a lock on fd ${fd} of pid ${pid}, which the dump does not have`,
    });
    return;
  }
  const kind: FileLock['kind'] = flag & FL_OFD ? 'ofd' : flag & FL_LEASE ? 'lease' : flag & FL_FLOCK ? 'flock' : 'posix';
  if (!(flag & (FL_POSIX | FL_FLOCK | FL_OFD | FL_LEASE)))
    errors.push({
      errno: '',
      pid,
      fd,
      where: dump.display('filelocks.img'),
      message: `a lock of unknown kind (flag ${flag}) on fd ${fd}: shown as posix`,
    });
  const type = num(e.msg, 'type');
  const s = BigInt(u64(e.msg, 'start'));
  const l = BigInt(u64(e.msg, 'len'));
  const end = l <= 0n ? null : s + l - 1n;
  file.locks.push({
    kind,
    write: (kind === 'lease' ? type & ~LEASE_BREAKING : type) === F_WRLCK,
    pid: kind === 'ofd' ? -1 : pid,
    start: s < 0n ? 0 : numberIfSafe(s),
    end: end === null ? null : numberIfSafe(end),
  });
}
