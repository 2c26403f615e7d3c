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
    // A listener's limit on that queue (listen()'s backlog, capped at somaxconn; ss -xl's Send-Q), from sock_diag's
    // UNIX_DIAG_RQLEN: /proc/net/unix lacks it, so it is known only where sock_diag answered, never guessed.
    { name: 'backlogKnown', type: 'bool', label: 'Listen backlog known', since: 7 },
    { name: 'backlog', type: 'u32', label: 'Listen backlog (the accept queue limit)', since: 7 },
    // A client whose connection waits in a listener's accept queue (UNIX_DIAG_ICONS of the listener): CONNECTED,
    // yet no process on the other side has it. 0: none, or not known (no sock_diag, older images).
    { name: 'pendingOn', type: 'u64', label: 'Waiting to be accepted by the listener (its socket inode)', since: 7 },
  ],
  summary: (f) => {
    const name = displayBStr(f.attrs.name as BStr);
    // Its own inode beside its peer's: the other end can then be found by it.
    const peer = f.attrs.peer ? ` peer [${String(f.attrs.peer)}]` : '';
    // A listener's queue against its limit, as a TCP listener's: one at its backlog makes connect() wait or fail.
    // Where the backlog is not known (no sock_diag, older images) its recv-q alone, when not 0.
    const a = f.attrs;
    const queues = a.backlogKnown && a.listening ? ` accept-q ${String(a.rxQueue)} of ${String(a.backlog)}` : queuesText(a);
    // A client nobody has accepted yet: its peer is the listener's embryo socket, no one's fd.
    const pending = a.pendingOn ? ` not yet accepted by [${String(a.pendingOn)}]` : '';
    return `unix ${String(a.type)} [${String(f.ino)}] ${name || '(unnamed)'} ${String(a.state)}${queues}${peer}${pending}`;
  },
});
