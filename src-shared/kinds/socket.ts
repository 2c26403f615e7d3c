import { defineKind } from './schema.js';
import { displayBStr, type BStr } from '../model/bstr.js';

/** A socket the /proc/net tables do not list: still a socket, known by its inode. */
export default defineKind({
  code: 12,
  name: 'socket',
  label: 'Socket (unresolved)',
  fields: [{ name: 'family', type: 'bstr', label: 'Address family if known' }],
  // The kernel's protocol name where it gave one (TCP for a socket never bound), as lsof prints it.
  summary: (f) => {
    const family = f.attrs.family !== undefined ? displayBStr(f.attrs.family as BStr) : '';
    return family ? `socket:[${String(f.ino)}] ${family}` : `socket:[${String(f.ino)}]`;
  },
});
