import { defineKind } from './schema.js';
import { formatDevice } from './format.js';
import { displayBStr } from '../model/bstr.js';

export default defineKind({
  code: 4,
  name: 'blockdev',
  label: 'Block device',
  fields: [],
  // The name first, as lsof and ls show a device; the number says which it really is.
  summary: (f) => (f.path.length ? `${displayBStr(f.path)} (block ${formatDevice(f.rdev)})` : `block ${formatDevice(f.rdev)}`),
});
