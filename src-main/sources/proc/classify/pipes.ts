/** Anonymous pipes: "pipe:[INO]"; both ends of one pipe share the inode. */
import type { AttrRecord } from '../../../../src-shared/model/index.js';
import type { Classifier } from './types.js';

/** By access mode (O_RDONLY, O_WRONLY, O_RDWR, and 3 as O_RDWR): one frozen record each, shared by every file. */
const ENDS: readonly AttrRecord[] = (['read', 'write', 'both', 'both'] as const).map((end) => Object.freeze({ end }));

/** The attributes of a pipe or FIFO fd: which end it holds. */
export function endAttrs(flags: number): AttrRecord {
  return ENDS[flags & 3]!;
}

export const pipe: Classifier = (raw, _text, base) => {
  const acc = raw.flags & 3;
  base.kind = 'pipe';
  base.attrs = endAttrs(acc);
  return `p:${String(base.ino)}:${acc}`;
};
