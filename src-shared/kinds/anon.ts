import { defineKind } from './schema.js';
import { displayBStr, type BStr } from '../model/bstr.js';

/**
 * Any other anonymous inode (io_uring, perf_event, bpf-map ...) or link this
 * version does not know: never dropped, its link text is the path. Its
 * fdinfo is kept as the kernel printed it, because only that says which
 * map, ring or event it is, and this version cannot parse what it does not
 * know.
 */
export default defineKind({
  code: 23,
  name: 'anon',
  label: 'Other anonymous inode',
  fields: [{ name: 'fdinfo', type: 'bstr', label: 'fdinfo', since: 1 }],
  summary: (f) => {
    const path = displayBStr(f.path);
    // Files from before 1.1, and the store's packed rows, may lack it.
    const info = f.attrs.fdinfo as BStr | undefined;
    if (!info || info.length === 0) return path;
    const text =
      typeof info === 'string'
        ? info
            .split('\n')
            .map((l) => displayBStr(l.replace(/\s+/g, ' ').trim()))
            .filter((l) => l)
            .join(', ')
        : displayBStr(info);
    return text ? `${path} (${text})` : path;
  },
});
