/**
 * One handler per CRIU fd type (CRIU's own fdtype_ops): which field of
 * files.img's file_entry holds the type's message, that message's fields,
 * and how it becomes an open file of the snapshot. Adding a type is one
 * file here and one line in index.ts.
 */
import type { AttrRecord, OpenFile, U64 } from '../../../../src-shared/model/index.js';
import type { Entry } from '../image.js';
import type { Message, MessageSpec } from '../protobuf.js';

/** What a handler may look up in the rest of the dump. */
export interface FdTypeContext {
  /** The reg_file_entry with this id (files.img), for the file behind a FIFO or TTY. */
  reg(id: number): Message | undefined;
  /** The entries of another image file of the dump (read once), or null if the dump has none. */
  image(name: string, magic: number, spec: MessageSpec): Entry[] | null;
  /**
   * The entries of another image file by the numeric value of `field` (read
   * and indexed once, so that a lookup per fd stays cheap on a dump of
   * 100,000 fds); empty when the dump has no such file.
   */
  entriesBy(name: string, magic: number, spec: MessageSpec, field: string): ReadonlyMap<number, Message[]>;
  /** The first entry of an image whose entry is followed by raw data (tcp-stream-INO.img, INO in hex), or null if the dump has none. */
  firstEntry(name: string, magic: number, spec: MessageSpec): Message | null;
  /**
   * Whether the dumped machine was big-endian (s390x, by core_entry.mtype):
   * CRIU copies some byte strings into u32 words in the machine's order
   * (an inet socket's addresses), so their values depend on it.
   */
  readonly bigEndian: boolean;
  /** Names a file of the dump for messages. */
  display(name: string): string;
  /**
   * How the file with this id was unlinked, by its remap-fpath.img entry
   * (files-reg.c check_path_remap): 'ghost' when it had no link left
   * (st_nlink 0, its bytes in ghost-file-ID.img), 'linked' when its path was
   * gone but the inode still had a link elsewhere (st_nlink > 0: CRIU links
   * it to a temporary name); null when it was not unlinked.
   */
  unlinked(id: number): 'ghost' | 'linked' | null;
}

/**
 * The open file a handler makes: its kind, name and f_flags as CRIU
 * recorded them (O_CLOEXEC is taken out by the caller), and whichever other
 * fields of the model's open file the dump gives.
 */
export type Converted = Pick<OpenFile, 'kind' | 'path' | 'flags'> &
  Partial<Pick<OpenFile, 'mode' | 'pos' | 'mntId' | 'dev' | 'ino' | 'rdev' | 'size' | 'nlink' | 'deleted' | 'locks' | 'attrs'>> & {
    /** Something the dump does not say, or says this version does not read: an error record of the snapshot. */
    note?: string;
  };

/** Resolves an fd number of a table holding the file being linked to that fd's file ref (0 when no such fd). */
export type FdLookup = (fd: number) => number;

export interface FdTypeHandler {
  /** CRIU's name of the type (fd_types in images/fdinfo.proto). */
  type: string;
  /** Its number in fd_types. */
  code: number;
  /** The field of file_entry that holds its message. */
  field: number;
  spec: MessageSpec;
  convert(msg: Message, ctx: FdTypeContext): Converted;
  /**
   * After every file is made: fills attributes that name other files
   * (an epoll's targets) through the fd numbers of a table holding it.
   */
  link?(attrs: AttrRecord, lookup: FdLookup): void;
}

export function defineFdType(h: FdTypeHandler): FdTypeHandler {
  return h;
}

/** Field accessors: values the spec declared, with defaults for absent optional fields. */
export function num(m: Message, name: string, dflt = 0): number {
  const v = m[name];
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : dflt;
}
export function u64(m: Message, name: string): U64 {
  const v = m[name];
  return typeof v === 'number' || typeof v === 'bigint' ? v : 0;
}
export function bytes(m: Message, name: string): Uint8Array {
  const v = m[name];
  return v instanceof Uint8Array ? v : new Uint8Array(0);
}
export function bool(m: Message, name: string): boolean {
  return m[name] === true;
}
export function sub(m: Message, name: string): Message | undefined {
  const v = m[name];
  return v && typeof v === 'object' && !(v instanceof Uint8Array) && !Array.isArray(v) ? (v as Message) : undefined;
}
export function list(m: Message, name: string): Message[] {
  const v = m[name];
  return Array.isArray(v) ? (v as Message[]) : [];
}
export function nums(m: Message, name: string): number[] {
  const v = m[name];
  return Array.isArray(v) ? (v as number[]) : [];
}

export { S_IFMT, S_IFREG, S_IFDIR, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK } from '../../../../src-shared/model/index.js';
