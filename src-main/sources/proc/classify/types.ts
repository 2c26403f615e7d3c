/**
 * What a classifier makes of one raw fd: the open file it describes (ref 0
 * until link() numbers it; the object itself goes into the snapshot, so no
 * second copy is made per file), and its share key.
 *
 * Share key: fds whose keys differ can never share an open file; fds with
 * one key may, and kcmp decides. Built only from what an open file cannot
 * change (its inode and access mode), never from pos or counters that move.
 * fds with one key must have one file ino (the key holds it, or an id only
 * fds of one inode have): link() buckets by ino before it hashes keys.
 */
import type { OpenFile } from '../../../../src-shared/model/index.js';
import type { RawFd } from '../raw-read.js';
import type { NetTables } from '../net-tables.js';

export interface ClassifyContext {
  pid: number;
  /** Socket tables of the fd owner's network namespace, read on demand. */
  net: () => NetTables | null;
  /** Protocol name of a socket the tables do not list, by its /proc path. */
  sockProtoName: (pid: number, fd: number) => string;
}

/** Fills in `base` (kind, attrs, path) and returns the share key. */
export type Classifier = (raw: RawFd, linkText: string, base: OpenFile, ctx: ClassifyContext) => string;
