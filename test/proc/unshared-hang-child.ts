/**
 * Child of capture-kinds.test.ts: one capture with --timeout of a fake
 * /proc holding process PID (a real one: the fixture named in "unshared"
 * mode) and its thread TID, whose fd table is its own (unshare(CLONE_FILES):
 * kcmp, which asks the kernel about the real pids, says so). The thread's
 * fdinfo/3 is a FIFO nobody writes, so reading its table hangs as a statx
 * on a dead NFS server would. The capture must give up on it within the
 * timeout, as on any process, not wait forever.
 * argv: ROOT js|native PID TID
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { captureProc } from '../../src-main/sources/proc/index.js';
import { fakeProc } from './fixture.js';

const [root, reader, pid, tid] = process.argv.slice(2) as [string, string, string, string];
fakeProc(root, [Number(pid)]);
const th = join(root, pid, 'task', tid);
for (const d of ['fd', 'fdinfo']) mkdirSync(join(th, d), { recursive: true });
writeFileSync(join(th, 'stat'), `${tid} (fake) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 2 0 1 0 0\n`);
symlinkSync('/dev/null', join(th, 'fd', '3'));
if (spawnSync('mkfifo', [join(th, 'fdinfo', '3')]).status !== 0) throw new Error('mkfifo failed');
const snap = await captureProc({ pids: [Number(pid)], procRoot: root, timeoutMs: 300, reader: reader === 'native' ? 'native' : 'js' });
const tables = new Set(snap.tasks.map((t) => t.fdTable));
console.log(
  `captured ${snap.tasks.length} tasks, ${tables.size} tables, errors ${snap.errors.map((e) => `${e.errno} ${e.pid}`).join(',')}`,
);
