/** Anonymous pipes: "pipe:[INO]"; both ends of one pipe share the inode. */
import type { Classifier } from './types.js';

export const pipe: Classifier = (raw, _text, base) => {
  const acc = raw.flags & 3;
  base.kind = 'pipe';
  base.attrs = { end: acc === 0 ? 'read' : acc === 1 ? 'write' : 'both' };
  return `p:${String(base.ino)}:${acc}`;
};
