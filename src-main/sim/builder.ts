/**
 * Builds snapshots the way the kernel would shape them: open() makes a new
 * open file, dup() and fork() share it, clone(CLONE_FILES) and threads share
 * the table. Scenarios describe processes in those terms, so the sharing in
 * a simulation is exactly what the same program would have.
 */
import { emptyAttrs, kindByName } from '../../src-shared/kinds/index.js';
import type { AttrRecord, BStr, FdLimit, FdTable, ImageHeader, OpenFile, Snapshot, Task, U64 } from '../../src-shared/model/index.js';
import { O, S_IFIFO } from '../../src-shared/model/index.js';

export { S_IFREG, S_IFDIR, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK } from '../../src-shared/model/index.js';

export function mkdev(major: number, minor: number): number {
  return ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & ~0xff) << 12);
}

/** A small, fast, seedable PRNG (mulberry32): same seed, same sequence. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

export function hashName(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export interface FileInit {
  path?: BStr;
  flags?: number;
  mode?: number;
  pos?: U64;
  mntId?: number;
  dev?: U64;
  ino?: U64;
  rdev?: U64;
  size?: U64;
  nlink?: number;
  deleted?: boolean;
  locks?: OpenFile['locks'];
  attrs?: AttrRecord;
}

export interface ProcInit {
  pid: number;
  ppid: number;
  comm: BStr;
  cmdline: BStr[];
  uid?: number;
  gid?: number;
  cwd?: BStr;
  root?: BStr;
  /** RLIMIT_NOFILE (null: not known); default systemd's 1024 soft, 524288 hard. */
  fdLimit?: FdLimit | null;
  /** Its pids in its pid namespaces (a container's process); default not recorded. */
  nsPids?: number[];
  /** Its uid and gid inside its user namespace (a rootless container's process); default not recorded. */
  userNsIds?: { uid: number; gid: number };
}

export class Proc {
  constructor(
    readonly b: SnapshotBuilder,
    readonly task: Task,
    readonly table: FdTable,
  ) {}

  get pid(): number {
    return this.task.pid;
  }

  private lowestFree(from = 0): number {
    const used = new Set(this.table.fds.map((d) => d.fd));
    let n = from;
    while (used.has(n)) n++;
    return n;
  }

  /** Installs `file` at the lowest free fd (or `at`), like open() or dup2(). */
  install(file: OpenFile, opts: { at?: number; cloexec?: boolean } = {}): number {
    const fd = opts.at ?? this.lowestFree();
    this.close(fd);
    this.table.fds.push({ fd, file: file.ref, cloexec: opts.cloexec ?? false });
    return fd;
  }

  open(kind: string, init: FileInit, opts: { at?: number; cloexec?: boolean } = {}): number {
    return this.install(this.b.file(kind, init), opts);
  }

  fileAt(fd: number): OpenFile {
    const d = this.table.fds.find((x) => x.fd === fd);
    if (!d) throw new Error(`sim: pid ${this.pid} has no fd ${fd}`);
    return this.b.fileByRef(d.file);
  }

  dup(fd: number, opts: { at?: number; cloexec?: boolean } = {}): number {
    return this.install(this.fileAt(fd), opts);
  }

  close(fd: number): void {
    const i = this.table.fds.findIndex((x) => x.fd === fd);
    if (i >= 0) this.table.fds.splice(i, 1);
  }

  /** fork(): a new process with a copy of the table sharing every open file. */
  fork(init: Omit<ProcInit, 'ppid'>): Proc {
    const child = this.b.process({
      cwd: this.task.cwd,
      root: this.task.root,
      uid: this.task.uid,
      gid: this.task.gid,
      fdLimit: this.task.fdLimit,
      ...init,
      ppid: this.pid,
    });
    for (const d of this.table.fds) child.table.fds.push({ ...d });
    return child;
  }

  /** exec(): close-on-exec fds go away. */
  exec(comm: BStr, cmdline: BStr[]): void {
    this.table.fds = this.table.fds.filter((d) => !d.cloexec);
    this.task.comm = comm;
    this.task.cmdline = cmdline;
  }

  /** A thread (or a clone(CLONE_FILES) process when tgid is its own pid): shares this table. */
  clone(tid: number, opts: { comm?: BStr; process?: boolean } = {}): Task {
    const t: Task = {
      ...this.task,
      pid: tid,
      tgid: opts.process ? tid : this.task.tgid,
      ppid: opts.process ? this.pid : this.task.ppid,
      comm: opts.comm ?? this.task.comm,
      cmdline: [...this.task.cmdline],
      namespaces: [...this.task.namespaces],
    };
    this.b.tasks.push(t);
    return t;
  }

  pipe(opts: { cloexec?: boolean } = {}): [number, number] {
    const ino = this.b.nextIno();
    const r = this.open('pipe', { path: `pipe:[${ino}]`, flags: 0, mode: S_IFIFO | 0o600, ino, dev: 14, attrs: { end: 'read' } }, opts);
    const w = this.open(
      'pipe',
      { path: `pipe:[${ino}]`, flags: O.O_WRONLY, mode: S_IFIFO | 0o600, ino, dev: 14, attrs: { end: 'write' } },
      opts,
    );
    return [r, w];
  }
}

export class SnapshotBuilder {
  readonly tasks: Task[] = [];
  readonly tables: FdTable[] = [];
  readonly files: OpenFile[] = [];
  private readonly fileRefs = new Map<number, OpenFile>();
  private ref = 1;
  private ino = 100_000;
  readonly errors: Snapshot['errors'] = [];

  constructor(readonly rng: Rng) {}

  nextIno(): number {
    return this.ino++;
  }

  fileByRef(ref: number): OpenFile {
    const f = this.fileRefs.get(ref);
    if (!f) throw new Error(`sim: no file ${ref}`);
    return f;
  }

  file(kind: string, init: FileInit): OpenFile {
    const spec = kindByName(kind);
    if (!spec) throw new Error(`sim: unknown kind ${kind}`);
    const f: OpenFile = {
      ref: this.ref++,
      kind,
      path: init.path ?? '',
      flags: init.flags ?? 0,
      mode: init.mode ?? 0,
      pos: init.pos ?? 0,
      mntId: init.mntId ?? 0,
      dev: init.dev ?? 0,
      ino: init.ino ?? this.nextIno(),
      rdev: init.rdev ?? 0,
      size: init.size ?? 0,
      nlink: init.nlink ?? (init.deleted ? 0 : 1),
      deleted: init.deleted ?? false,
      sharingInferred: false,
      locks: init.locks ?? [],
      attrs: { ...emptyAttrs(spec), ...init.attrs },
    };
    this.files.push(f);
    this.fileRefs.set(f.ref, f);
    return f;
  }

  process(init: ProcInit): Proc {
    const table: FdTable = { ref: this.ref++, fds: [], sharingInferred: false };
    const task: Task = {
      pid: init.pid,
      tgid: init.pid,
      ppid: init.ppid,
      uid: init.uid ?? 0,
      gid: init.gid ?? 0,
      comm: init.comm,
      cmdline: init.cmdline,
      cwd: init.cwd ?? '/',
      root: init.root ?? '/',
      namespaces: [
        { type: 'mnt', ino: 4026531841 },
        { type: 'net', ino: 4026531840 },
        { type: 'pid', ino: 4026531836 },
      ],
      fdTable: table.ref,
      fdLimit: init.fdLimit === undefined ? { soft: 1024, hard: 524288 } : init.fdLimit,
    };
    if (init.nsPids) task.nsPids = [...init.nsPids];
    if (init.userNsIds) task.userNsIds = { ...init.userNsIds };
    this.tables.push(table);
    this.tasks.push(task);
    return new Proc(this, task, table);
  }

  /** A regular file opened by path; the inode is stable per path. */
  private inodes = new Map<string, number>();
  inodeFor(path: string): number {
    let i = this.inodes.get(path);
    if (i === undefined) {
      i = this.nextIno();
      this.inodes.set(path, i);
    }
    return i;
  }

  snapshot(header: ImageHeader): Snapshot {
    // The kernel lists a table's fds in ascending order.
    for (const t of this.tables) t.fds.sort((a, b) => a.fd - b.fd);
    const used = new Set<number>();
    for (const t of this.tables) for (const d of t.fds) used.add(d.file);
    for (const f of this.files) for (const w of (f.attrs.watches as AttrRecord[] | undefined) ?? []) if (w.file) used.add(w.file as number);
    return {
      header,
      tasks: this.tasks,
      fdTables: this.tables.filter((t) => this.tasks.some((k) => k.fdTable === t.ref)),
      files: this.files.filter((f) => used.has(f.ref)),
      errors: this.errors,
    };
  }
}
