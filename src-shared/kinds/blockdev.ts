import { defineKind } from './schema.js';
import { formatDevice } from './format.js';

export default defineKind({
  code: 4,
  name: 'blockdev',
  label: 'Block device',
  fields: [],
  summary: (f) => `block ${formatDevice(f.rdev)}`,
});
