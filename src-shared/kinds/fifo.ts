import { defineKind } from './schema.js';

/** A named pipe opened by path. */
export default defineKind({
  code: 7,
  name: 'fifo',
  label: 'FIFO',
  fields: [{ name: 'end', type: 'bstr', label: 'End (read, write, both)' }],
});
