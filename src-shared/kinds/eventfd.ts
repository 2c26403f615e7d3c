import { defineKind } from './schema.js';

export default defineKind({
  code: 13,
  name: 'eventfd',
  label: 'eventfd',
  fields: [
    { name: 'count', type: 'u64', label: 'Counter' },
    { name: 'id', type: 'u32', label: 'eventfd id' },
    { name: 'semaphore', type: 'bool', label: 'Semaphore mode' },
  ],
  summary: (f) => `eventfd id ${String(f.attrs.id)} count ${String(f.attrs.count)}`,
});
