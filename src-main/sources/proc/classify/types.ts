/** What a classifier makes of one raw fd: an open file without its ref. */
import type { OpenFile } from '../../../../src-shared/model/index.js';
import type { RawFd } from '../raw-read.js';
import type { NetTables } from '../net-tables.js';

export interface FileFacts extends Omit<OpenFile, 'ref' | 'sharingInferred' | 'unknownKindCode' | 'unknownBody'> {
  /**
   * fds whose keys differ can never share an open file; fds with one key
   * may, and kcmp decides. Built only from what an open file cannot change
   * (its inode and access mode), never from pos or counters that move.
   */
  shareKey: string;
}

export interface ClassifyContext {
  pid: number;
  /** Socket tables of the fd owner's network namespace, read on demand. */
  net: () => NetTables | null;
  /** Protocol name of a socket the tables do not list, by its /proc path. */
  sockProtoName: (pid: number, fd: number) => string;
}

export type Classifier = (raw: RawFd, linkText: string, base: FileFacts, ctx: ClassifyContext) => FileFacts;
