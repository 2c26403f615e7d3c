/**
 * Child of procfd.test.ts: one capture with --timeout on a fake /proc whose
 * pid 1 hangs (its fdinfo is a FIFO nobody writes), then the end of the
 * process, naturally or by process.exit: it must not wait for the reader.
 * argv: ROOT natural|exit js|native
 */
import { captureProc } from '../../src-main/sources/proc/index.js';
import { fakeProc } from './fixture.js';

const root = fakeProc(process.argv[2]!, [1, 2, 3], (pid) => pid === 1);
const snap = await captureProc({ pids: [1, 2, 3], procRoot: root, timeoutMs: 300, reader: process.argv[4] === 'native' ? 'native' : 'js' });
console.log(`captured ${snap.tasks.length} tasks, errors ${snap.errors.map((e) => e.errno).join(',')}`);
process.exitCode = 3;
if (process.argv[3] === 'exit') process.exit(4);
