import { defineKind } from './schema.js';
import { deviceSummary } from './format.js';

/** Character device; the device number is the common rdev field. */
export default defineKind({
  code: 3,
  name: 'chardev',
  label: 'Character device',
  fields: [],
  summary: (f) => deviceSummary('char', f),
});
