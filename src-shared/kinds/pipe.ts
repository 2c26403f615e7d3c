import { defineKind } from './schema.js';

/** An anonymous pipe; the pipe's identity is the common ino field. */
export default defineKind({
  code: 6,
  name: 'pipe',
  label: 'Pipe',
  fields: [{ name: 'end', type: 'bstr', label: 'End (read, write)' }],
  summary: (f) => `pipe:[${String(f.ino)}] ${String(f.attrs.end)} end`,
});
