import { defineKind } from './schema.js';

export default defineKind({
  code: 18,
  name: 'timerfd',
  label: 'timerfd',
  fields: [
    { name: 'clockid', type: 'u32', label: 'Clock id' },
    { name: 'ticks', type: 'u64', label: 'Expirations not read' },
    { name: 'settimeFlags', type: 'u32', label: 'settime flags' },
    { name: 'valueSec', type: 'u64', label: 'Next expiry (s)' },
    { name: 'valueNsec', type: 'u32', label: 'Next expiry (ns)' },
    { name: 'intervalSec', type: 'u64', label: 'Interval (s)' },
    { name: 'intervalNsec', type: 'u32', label: 'Interval (ns)' },
  ],
  summary: (f) => `timerfd clock ${String(f.attrs.clockid)} every ${String(f.attrs.intervalSec)}.${String(f.attrs.intervalNsec).padStart(9, '0')}s`,
});
