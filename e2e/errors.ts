/** An image whose capture recorded errors, written by the real engine. */
import { simulate } from '../src-main/sim/index.js';
import { encodeSnapshot } from '../src-main/engine/writer.js';

export function imageWithErrors(): Buffer {
  const snap = simulate({ scenario: 'pipeline', seed: 11, time: Date.UTC(2026, 0, 2) });
  snap.errors.push(
    { errno: 'EACCES', pid: 2101, fd: 5, where: '/proc/2101/fdinfo/5', message: 'permission denied reading fdinfo' },
    { errno: 'ESRCH', pid: 2199, fd: -1, where: '/proc/2199', message: 'the process exited during the capture' },
  );
  return encodeSnapshot(snap);
}
