/**
 * Turns a raw fd into the facts of its open file: common fields first, then
 * the kind's own classifier chosen by the link text's shape.
 */
import { O, type AttrRecord, type FileLock, type OpenFile, type U64 } from '../../../../src-shared/model/index.js';
import type { RawFd } from '../raw-read.js';
import { anonInode, unparsedFdinfo } from './anon.js';
import { pathFile } from './files.js';
import { NS_TYPES, nsfd } from './ns.js';
import { pipe } from './pipes.js';
import { socket } from './sockets.js';
import type { ClassifyContext } from './types.js';
import { parseLocks } from './locks.js';

/** Shared by every file without locks; nothing appends to a file's locks. */
const NO_LOCKS: never[] = [];
/**
 * Shared by every file of a kind without attributes (most are regular
 * files), frozen as the image reader's is: nothing may add to it.
 */
const NO_ATTRS: AttrRecord = Object.freeze({});

export type { ClassifyContext } from './types.js';

/**
 * Every field of OpenFile, in one order: one hidden class for all files.
 * Made once first with null in the U64 fields, so that class holds any
 * value there: else the first file's numbers decide, doubles (boxed again
 * in every one of 30,000 files) or small integers (until the first value
 * above 2^31, when every file made so far must change class).
 */
function newFile(
  path: string,
  flags: number,
  mode: number,
  pos: U64,
  mntId: number,
  dev: number,
  ino: U64,
  rdev: number,
  size: U64,
  nlink: number,
  locks: FileLock[],
): OpenFile {
  return {
    ref: 0,
    kind: 'anon',
    path,
    flags,
    mode,
    pos,
    mntId,
    dev,
    ino,
    rdev,
    size,
    nlink,
    deleted: false,
    sharingInferred: false,
    locks,
    attrs: NO_ATTRS,
  };
}
const ANY = null as unknown as number;
newFile('', 0, 0, ANY, 0, ANY, ANY, ANY, ANY, 0, NO_LOCKS);

/** "[INO]" at the end of a link like "pipe:[123]". */
function bracketIno(text: string): number | bigint {
  const m = /\[(\d+)\]$/.exec(text);
  if (!m) return 0;
  const v = Number(m[1]);
  return Number.isSafeInteger(v) ? v : BigInt(m[1]!);
}

/**
 * The open file `raw` describes (ref 0: link() numbers the ones it keeps),
 * with its share key stored at `keys[at]` (see types.ts).
 */
export function classify(raw: RawFd, ctx: ClassifyContext, keys: string[], at: number): OpenFile {
  // A link that could not be read ("\0ENAMETOOLONG", raw-read.ts) is a name
  // too long to give back: a path, whose name stays empty (the error record
  // says why) and whose stat and fdinfo still say what it is.
  const isPath = raw.link.charCodeAt(0) === 47 || raw.link.charCodeAt(0) === 0;
  const text = isPath ? '' : raw.link;
  const ino = raw.fdinfoIno !== -1 ? raw.fdinfoIno : isPath ? raw.ino : bracketIno(text);
  const base = newFile(
    isPath ? '' : text,
    raw.flags & ~O.O_CLOEXEC,
    raw.mode,
    raw.pos,
    raw.mntId,
    raw.dev,
    isPath && raw.statted ? raw.ino : ino,
    raw.rdev,
    raw.size,
    raw.nlink,
    raw.extra.length > 0 && raw.extra.includes('lock:') ? parseLocks(raw.extra) : NO_LOCKS,
  );
  let key: string;
  if (isPath) key = pathFile(raw, text, base, ctx);
  else if (text.startsWith('pipe:[')) key = pipe(raw, text, base, ctx);
  else if (text.startsWith('socket:[')) key = socket(raw, text, base, ctx);
  else if (text.startsWith('anon_inode:')) key = anonInode(raw, text, base, ctx);
  else {
    const colon = text.indexOf(':[');
    if (colon > 0 && NS_TYPES.has(text.slice(0, colon))) key = nsfd(raw, text, base, ctx);
    else {
      // Something this version does not know: keep it, with its link text.
      base.kind = 'anon';
      base.attrs = { fdinfo: unparsedFdinfo(raw.extra) };
      key = `u:${text}:${String(base.ino)}:${raw.flags & 3}`;
    }
  }
  keys[at] = key;
  return base;
}
