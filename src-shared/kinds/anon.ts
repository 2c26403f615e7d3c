import { defineKind } from './schema.js';
import { displayBStr, type BStr } from '../model/bstr.js';

/** fdinfo lines that say which object this is: ids, types, a program's tag. */
const IDENTITY = /^\s*(\w+_id|\w+_type|prog_tag)\s*:/;

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
    if (!info || typeof info !== 'string' || info.length === 0) return path;
    // The one-line description is what diff compares and search shows, so
    // it names the object (a bpf map's id and type, a program's tag) and
    // leaves out what moves on its own (an io_uring's ring heads): those
    // stay in the attribute, shown whole in the file's detail.
    const ids = info
      .split('\n')
      .filter((l) => IDENTITY.test(l))
      .map((l) => displayBStr(l.replace(/\s+/g, ' ').trim()));
    return ids.length ? `${path} (${ids.join(', ')})` : path;
  },
});
