import { defineKind } from './schema.js';

/** A namespace fd (net:[INO], mnt:[INO] ...); the namespace inode is the common ino. */
export default defineKind({
  code: 21,
  name: 'nsfd',
  label: 'Namespace',
  fields: [{ name: 'nsType', type: 'bstr', label: 'Namespace type' }],
  summary: (f) => `${String(f.attrs.nsType)}:[${String(f.ino)}]`,
});
