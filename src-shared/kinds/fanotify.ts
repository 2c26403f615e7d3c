import { defineKind } from './schema.js';

export default defineKind({
  code: 16,
  name: 'fanotify',
  label: 'fanotify',
  fields: [
    { name: 'initFlags', type: 'u32', label: 'fanotify_init flags' },
    { name: 'eventFlags', type: 'u32', label: 'Event file flags' },
    {
      name: 'marks',
      type: 'list',
      label: 'Marks',
      of: [{ name: 'text', type: 'bstr', label: 'Mark as the kernel prints it' }],
    },
  ],
});
