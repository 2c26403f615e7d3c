import { defineKind } from './schema.js';
import { sigsetText } from './masks.js';

export default defineKind({
  code: 17,
  name: 'signalfd',
  label: 'signalfd',
  fields: [{ name: 'sigmask', type: 'u64', label: 'Signal mask', show: sigsetText }],
  // The hex as fdinfo prints it, then the signals it stands for.
  summary: (f) => `signalfd mask ${sigsetText(f.attrs.sigmask as number | bigint)}`,
});
