import { defineKind } from './schema.js';

/** A socket the /proc/net tables do not list: still a socket, known by its inode. */
export default defineKind({
  code: 12,
  name: 'socket',
  label: 'Socket (unresolved)',
  fields: [{ name: 'family', type: 'bstr', label: 'Address family if known' }],
  summary: (f) => `socket:[${String(f.ino)}]`,
});
