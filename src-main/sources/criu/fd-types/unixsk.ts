/** UNIXSK: a unix socket (unix_sk_entry): type, state, bound name, peer by inode. */
import { bstrFromBytes, type BStr } from '../../../../src-shared/model/index.js';
import { FOWN } from '../messages.js';
import { bytes, defineFdType, num, S_IFSOCK } from './types.js';

const TYPES: Record<number, string> = { 1: 'stream', 2: 'dgram', 3: 'raw', 4: 'rdm', 5: 'seqpacket' };
const TCP_ESTABLISHED = 1;
const TCP_SYN_SENT = 2;
const TCP_LISTEN = 10;

/** The bound name as the model keeps it: an abstract name (leading NUL) as "@" and the rest. */
export function unixName(raw: Uint8Array): BStr {
  if (raw.length === 0) return '';
  if (raw[0] !== 0) return bstrFromBytes(raw);
  const out = new Uint8Array(raw.length);
  out.set(raw);
  out[0] = 0x40;
  return bstrFromBytes(out);
}

export default defineFdType({
  type: 'UNIXSK',
  code: 5,
  field: 16,
  spec: {
    name: 'unix_sk_entry',
    fields: {
      1: { name: 'id', type: 'uint32' },
      2: { name: 'ino', type: 'uint32' },
      3: { name: 'type', type: 'uint32' },
      4: { name: 'state', type: 'uint32' },
      5: { name: 'flags', type: 'uint32' },
      7: { name: 'backlog', type: 'uint32' },
      8: { name: 'peer', type: 'uint32' },
      9: { name: 'fown', type: 'message', of: FOWN },
      11: { name: 'name', type: 'bytes' },
      14: { name: 'name_dir', type: 'string' },
      15: { name: 'deleted', type: 'bool' },
    },
    required: [1, 2, 3, 4, 5, 8],
  },
  convert(m) {
    const ino = num(m, 'ino');
    const state = num(m, 'state');
    const listening = state === TCP_LISTEN;
    const type = num(m, 'type');
    return {
      kind: 'unix-socket',
      path: `socket:[${ino}]`,
      flags: num(m, 'flags'),
      ino,
      mode: S_IFSOCK | 0o777,
      attrs: {
        type: TYPES[type] ?? String(type),
        state: listening ? 'LISTEN' : state === TCP_ESTABLISHED ? 'CONNECTED' : state === TCP_SYN_SENT ? 'CONNECTING' : 'UNCONNECTED',
        name: unixName(bytes(m, 'name')),
        peer: num(m, 'peer'),
        listening,
        // CRIU keeps the queued packets (sk-queues.img), not the counts ss shows: not read.
        txQueue: 0,
        rxQueue: 0,
      },
    };
  },
});
