/**
 * A changed process as the diff keeps it (diff-result.ts): fd indexes into
 * each image's pack and, per changed fd, a mask of its changed fields.
 */
import type { DiffTask } from '../../src-shared/store-types.js';
import type { Holder } from './diff-load.js';

/** The fields a changed fd's mask marks, in the order its changes list them. */
export const F_KIND = 1;
export const F_TARGET = 2;
export const F_FLAGS = 4;
export const F_POS = 8;
export const F_CLOEXEC = 16;
export const F_DELETED = 32;
/** Same kind and name, other kind attributes: the file's state moved (a timer ticked, a queue filled, a socket closed), not its target. */
export const F_STATE = 64;

/** A paired process's changes, as fd indexes into image A's pack (before) or B's (after). */
export interface PairChanges {
  before: DiffTask;
  after: DiffTask;
  /** B indexes. */
  opened: number[];
  /** A indexes. */
  closed: number[];
  /** Triples: A index, B index, changed fields (F_*). */
  changed: number[];
  /** B index: the sharing exists in B. The other holders: one list per file and process, shared. */
  sharingStarted: { at: number; with: Holder[] }[];
  /** A index. */
  sharingEnded: { at: number; with: Holder[] }[];
}
