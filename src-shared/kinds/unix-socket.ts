import { defineKind } from './schema.js';
import { displayBStr, type BStr } from '../model/bstr.js';

/** AF_UNIX socket as /proc/net/unix describes it. */
export default defineKind({
  code: 8,
  name: 'unix-socket',
  label: 'Unix socket',
  fields: [
    { name: 'type', type: 'bstr', label: 'Type (stream, dgram, seqpacket)' },
    { name: 'state', type: 'bstr', label: 'State' },
    { name: 'name', type: 'bstr', label: 'Bound name (@ for abstract)' },
    { name: 'peer', type: 'u64', label: 'Peer socket inode' },
    { name: 'listening', type: 'bool', label: 'Listening' },
  ],
  summary: (f) => {
    const name = displayBStr(f.attrs.name as BStr);
    // Its own inode beside its peer's: the other end can then be found by it.
    const peer = f.attrs.peer ? ` peer [${String(f.attrs.peer)}]` : '';
    return `unix ${String(f.attrs.type)} [${String(f.ino)}] ${name || '(unnamed)'} ${String(f.attrs.state)}${peer}`;
  },
});
