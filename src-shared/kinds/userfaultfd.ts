import { defineKind } from './schema.js';

export default defineKind({
  code: 20,
  name: 'userfaultfd',
  label: 'userfaultfd',
  fields: [
    { name: 'pending', type: 'u64', label: 'Pending faults' },
    { name: 'total', type: 'u64', label: 'Total faults' },
    { name: 'api', type: 'u64', label: 'API' },
  ],
});
