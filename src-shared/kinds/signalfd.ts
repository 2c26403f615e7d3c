import { defineKind } from './schema.js';
import { sigsetText } from './masks.js';

export default defineKind({
  code: 17,
  name: 'signalfd',
  label: 'signalfd',
  fields: [{ name: 'sigmask', type: 'u64', label: 'Signal mask', show: sigsetText }],
  summary: (f) => `signalfd mask ${BigInt(f.attrs.sigmask as number | bigint).toString(16)}`,
});
