import { defineKind } from './schema.js';
import { deviceSummary } from './format.js';

export default defineKind({
  code: 4,
  name: 'blockdev',
  label: 'Block device',
  fields: [],
  summary: (f) => deviceSummary('block', f),
});
