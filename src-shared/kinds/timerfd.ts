import { defineKind } from './schema.js';

/** The clocks timerfd_create takes (linux/time.h), by id. */
const CLOCKS: Readonly<Record<number, string>> = {
  0: 'CLOCK_REALTIME',
  1: 'CLOCK_MONOTONIC',
  7: 'CLOCK_BOOTTIME',
  8: 'CLOCK_REALTIME_ALARM',
  9: 'CLOCK_BOOTTIME_ALARM',
};

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
  summary: (f) => {
    const a = f.attrs;
    const clock = CLOCKS[Number(a.clockid)] ?? `clock ${String(a.clockid)}`;
    const secs = (s: unknown, ns: unknown) => `${String(s)}.${String(ns).padStart(9, '0')}s`;
    const armed = String(a.valueSec) !== '0' || String(a.valueNsec) !== '0';
    const every = String(a.intervalSec) !== '0' || String(a.intervalNsec) !== '0';
    return `timerfd ${clock} ${every ? `every ${secs(a.intervalSec, a.intervalNsec)}` : armed ? `once, in ${secs(a.valueSec, a.valueNsec)}` : 'disarmed'}`;
  },
});
