import { defineKind } from './schema.js';

export default defineKind({
  code: 19,
  name: 'pidfd',
  label: 'pidfd',
  fields: [{ name: 'pid', type: 'i32', label: 'Pid (-1 when the process is gone)' }],
  summary: (f) => `pidfd for ${String(f.attrs.pid)}`,
});
