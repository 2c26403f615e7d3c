import { defineKind } from './schema.js';
import { formatDevice } from './format.js';
import { displayBStr } from '../model/bstr.js';

/** Character device; the device number is the common rdev field. */
export default defineKind({
  code: 3,
  name: 'chardev',
  label: 'Character device',
  fields: [],
  // The name first, as lsof and ls show a device; the number says which it really is.
  summary: (f) => (f.path.length ? `${displayBStr(f.path)} (char ${formatDevice(f.rdev)})` : `char ${formatDevice(f.rdev)}`),
});
