import { defineKind } from './schema.js';
import { displayBStr, type BStr } from '../model/bstr.js';
import { formatSize } from '../model/size-text.js';

/** A memfd: an anonymous file with only a name (the link text's memfd:NAME). */
export default defineKind({
  code: 22,
  name: 'memfd',
  label: 'memfd',
  fields: [{ name: 'name', type: 'bstr', label: 'memfd name' }],
  summary: (f) => `memfd:${displayBStr(f.attrs.name as BStr)} (${formatSize(f.size)})`,
});
