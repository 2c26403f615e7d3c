import { defineKind } from './schema.js';

/** A pseudo-terminal: the master (/dev/ptmx, with its tty-index) or a slave /dev/pts/N. */
export default defineKind({
  code: 5,
  name: 'pty',
  label: 'Pseudo-terminal',
  fields: [
    { name: 'index', type: 'u32', label: 'pty index' },
    { name: 'master', type: 'bool', label: 'Master side' },
  ],
  summary: (f) => `${f.attrs.master ? 'master' : 'slave'} pts/${String(f.attrs.index)}`,
});
