/**
 * Turns a raw fd into the facts of its open file: common fields first, then
 * the kind's own classifier chosen by the link text's shape.
 */
import { O, type AttrRecord, type OpenFile } from '../../../../src-shared/model/index.js';
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
  // Every field of OpenFile, in one order: one hidden class for all files.
  const base: OpenFile = {
    ref: 0,
    kind: 'anon',
    path: isPath ? '' : text,
    flags: raw.flags & ~O.O_CLOEXEC,
    mode: raw.mode,
    pos: raw.pos,
    mntId: raw.mntId,
    dev: raw.dev,
    ino: isPath && raw.statted ? raw.ino : ino,
    rdev: raw.rdev,
    size: raw.size,
    nlink: raw.nlink,
    deleted: false,
    sharingInferred: false,
    locks: raw.extra.length > 0 && raw.extra.includes('lock:') ? parseLocks(raw.extra) : NO_LOCKS,
    attrs: NO_ATTRS,
  };
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
