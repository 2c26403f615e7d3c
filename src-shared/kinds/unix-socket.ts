import { defineKind } from './schema.js';
import { queuesText } from './format.js';
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
    // As inet-socket's, and as ss -x shows them (a listener's Send-Q there is its backlog; here 0, as /proc/net/tcp has a TCP listener's).
    { name: 'txQueue', type: 'u32', label: 'Send queue bytes (written, not yet read by the peer)', since: 4 },
    { name: 'rxQueue', type: 'u32', label: 'Receive queue: bytes unread (a listener: connections not yet accepted)', since: 4 },
  ],
  summary: (f) => {
    const name = displayBStr(f.attrs.name as BStr);
    // Its own inode beside its peer's: the other end can then be found by it.
    const peer = f.attrs.peer ? ` peer [${String(f.attrs.peer)}]` : '';
    // A listener's recv-q: connections nobody accepts; an older image has 0 (none shown).
    return `unix ${String(f.attrs.type)} [${String(f.ino)}] ${name || '(unnamed)'} ${String(f.attrs.state)}${queuesText(f.attrs)}${peer}`;
  },
});
