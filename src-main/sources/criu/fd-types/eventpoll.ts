/**
 * EVENTPOLL: an epoll instance and its watches (eventpoll_tfd_entry, inside
 * the file entry since CRIU 3.x, in eventpoll-tfd.img before). A watch names
 * its target by fd number in the table that registered it: link() turns
 * that into the target's open file.
 */
import type { AttrRecord } from '../../../../src-shared/model/index.js';
import { FOWN } from '../messages.js';
import type { MessageSpec } from '../protobuf.js';
import { defineFdType, list, num, u64 } from './types.js';

const TFD: MessageSpec = {
  name: 'eventpoll_tfd_entry',
  fields: {
    1: { name: 'id', type: 'uint32' },
    2: { name: 'tfd', type: 'uint32' },
    3: { name: 'events', type: 'uint32' },
    4: { name: 'data', type: 'uint64' },
    5: { name: 'dev', type: 'uint32' },
    6: { name: 'inode', type: 'uint64' },
  },
  required: [1, 2, 3, 4],
};
const EVENTPOLL_TFD_MAGIC = 1145255750;

export default defineFdType({
  type: 'EVENTPOLL',
  code: 7,
  field: 9,
  spec: {
    name: 'eventpoll_file_entry',
    fields: {
      1: { name: 'id', type: 'uint32' },
      2: { name: 'flags', type: 'uint32' },
      3: { name: 'fown', type: 'message', of: FOWN },
      4: { name: 'tfd', type: 'message', repeated: true, of: TFD },
    },
    required: [1, 2],
  },
  convert(m, ctx) {
    let tfds = list(m, 'tfd');
    if (tfds.length === 0) {
      tfds = ctx.entriesBy('eventpoll-tfd.img', EVENTPOLL_TFD_MAGIC, TFD, 'id').get(num(m, 'id')) ?? [];
    }
    const watches: AttrRecord[] = tfds.map((t) => ({
      tfd: num(t, 'tfd'),
      events: num(t, 'events'),
      data: u64(t, 'data'),
      ino: u64(t, 'inode'),
      sdev: num(t, 'dev'),
      file: 0,
    }));
    return { kind: 'epoll', path: 'anon_inode:[eventpoll]', flags: num(m, 'flags'), attrs: { watches } };
  },
  link(attrs, lookup) {
    for (const w of attrs.watches as AttrRecord[]) w.file = lookup(w.tfd as number);
  },
});
