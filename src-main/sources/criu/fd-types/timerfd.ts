/** TIMERFD: clock, ticks and the timer's setting (timerfd_entry). */
import { FOWN } from '../messages.js';
import { defineFdType, num, u64 } from './types.js';

export default defineFdType({
  type: 'TIMERFD',
  code: 17,
  field: 12,
  spec: {
    name: 'timerfd_entry',
    fields: {
      1: { name: 'id', type: 'uint32' },
      2: { name: 'flags', type: 'uint32' },
      3: { name: 'fown', type: 'message', of: FOWN },
      4: { name: 'clockid', type: 'uint32' },
      5: { name: 'ticks', type: 'uint64' },
      6: { name: 'settime_flags', type: 'uint32' },
      7: { name: 'vsec', type: 'uint64' },
      8: { name: 'vnsec', type: 'uint64' },
      9: { name: 'isec', type: 'uint64' },
      10: { name: 'insec', type: 'uint64' },
    },
    required: [1, 2, 4, 5, 6, 7, 8, 9, 10],
  },
  convert: (m) => ({
    kind: 'timerfd',
    path: 'anon_inode:[timerfd]',
    flags: num(m, 'flags'),
    attrs: {
      clockid: num(m, 'clockid'),
      ticks: u64(m, 'ticks'),
      settimeFlags: num(m, 'settime_flags'),
      valueSec: u64(m, 'vsec'),
      valueNsec: num(m, 'vnsec') >>> 0,
      intervalSec: u64(m, 'isec'),
      intervalNsec: num(m, 'insec') >>> 0,
    },
  }),
});
