/**
 * Files opened by path: regular files and directories (O_PATH ones too),
 * devices, ptys, FIFOs, memfds and unlinked files.
 */
import { O, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFMT } from '../../../../src-shared/model/index.js';
import { bstrFromBytes, type BStr } from '../../../../src-shared/model/index.js';
import type { Classifier } from './types.js';
import { lineValue, toNum } from './fdinfo-lines.js';
import { endAttrs } from './pipes.js';

const DELETED = ' (deleted)';
/** A regular file whose stat gave no st_blocks (statx failed, or the filesystem does not give it). Nothing writes to it. */
const NO_BLOCKS = Object.freeze({ blocksKnown: false, blocks: 0 });
/** A stat's st_blocks as a file's attributes: a regular file's disk, a memfd's memory (format 1.8). */
const blocksOf = (blocks: number | bigint) => (blocks === -1 ? NO_BLOCKS : { blocksKnown: true, blocks });
const MEMFD = '/memfd:';

/** Link text (latin1, one char per byte) as a BStr with the exact bytes. */
function linkBStr(text: string, ascii: boolean): BStr {
  return ascii ? text : bstrFromBytes(Buffer.from(text, 'latin1'));
}

function major(dev: number): number {
  return ((dev >>> 8) & 0xfff) + Math.floor(dev / 4294967296) * 4096;
}
function minor(dev: number): number {
  return (dev & 0xff) + ((dev >>> 20) & 0xfff) * 256;
}

export const pathFile: Classifier = (raw, _text, base) => {
  let link = raw.link.charCodeAt(0) === 0 ? '' : raw.link;
  // A live file may really be named "... (deleted)": only nlink 0 says it is gone.
  const deleted = raw.statted && raw.nlink === 0;
  if (deleted && link.endsWith(DELETED)) link = link.slice(0, link.length - DELETED.length);
  base.path = linkBStr(link, raw.linkAscii);
  base.deleted = deleted;
  const fmt = raw.mode & S_IFMT;
  const acc = raw.flags & 3;
  if (deleted && link.startsWith(MEMFD)) {
    base.kind = 'memfd';
    // With its st_blocks: the memory it holds, which its size (ftruncate) may overstate hugely.
    base.attrs = { name: linkBStr(link.slice(MEMFD.length), raw.linkAscii), ...blocksOf(raw.blocks) };
  } else if (fmt === S_IFDIR) {
    base.kind = 'directory';
  } else if (fmt === S_IFCHR) {
    const ma = major(raw.rdev);
    const mi = minor(raw.rdev);
    const ptmx = ma === 5 && mi === 2;
    if (ptmx || (ma >= 136 && ma <= 143)) {
      base.kind = 'pty';
      const idx = ptmx ? toNum(lineValue(raw.extra, 'tty-index')) : (ma - 136) * 256 + mi;
      base.attrs = { index: idx, master: ptmx };
    } else {
      base.kind = 'chardev';
    }
  } else if (fmt === S_IFBLK) {
    base.kind = 'blockdev';
  } else if (fmt === S_IFIFO) {
    base.kind = 'fifo';
    base.attrs = endAttrs(acc);
  } else {
    // Regular files, and O_PATH fds on symlinks or sockets (mode tells which),
    // with st_blocks where the stat gave it: a sparse file holds far less disk than its size.
    base.kind = 'regular';
    base.attrs = blocksOf(raw.blocks);
  }
  // base.ino, which is raw.ino once statted (and fdinfo's ino if statx
  // failed): link() first buckets fds by the file's ino (types.ts).
  // Access mode and O_PATH as one digit: two concatenations fewer per path fd.
  return `f:${String(raw.dev)}:${String(base.ino)}:${(raw.flags & 3) | (raw.flags & O.O_PATH ? 4 : 0)}`;
};
