/**
 * Child of capture-zombie.test.ts: one capture with --timeout of a fake
 * /proc whose pid 5 is a process whose leader exited (state Z, a live
 * thread 6), and whose thread's fdinfo/3 is a FIFO nobody writes, so
 * reading the fds through the thread hangs as a statx on a dead NFS
 * server would. The capture must give up on it within the timeout, as on
 * any other process, not wait forever.
 * argv: ROOT js|native
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { captureProc } from '../../src-main/sources/proc/index.js';

const root = process.argv[2]!;
const b = join(root, '5');
const th = join(b, 'task', '6');
for (const d of ['fd', 'fdinfo', 'ns', 'task/5', 'task/6/fd', 'task/6/fdinfo', 'task/6/ns']) mkdirSync(join(b, d), { recursive: true });
writeFileSync(join(b, 'stat'), '5 (fake) Z 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 2 0 1 0 0\n');
writeFileSync(join(b, 'status'), 'Name:\tfake\nTgid:\t5\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n');
writeFileSync(join(b, 'cmdline'), 'fake\0');
writeFileSync(join(th, 'stat'), '6 (fake) S 1 5 5 0 -1 0 0 0 0 0 0 0 0 0 20 0 2 0 1 0 0\n');
symlinkSync('/', join(th, 'cwd'));
symlinkSync('/', join(th, 'root'));
symlinkSync('/dev/null', join(th, 'fd', '3'));
if (spawnSync('mkfifo', [join(th, 'fdinfo', '3')]).status !== 0) throw new Error('mkfifo failed');
const snap = await captureProc({ pids: [5], procRoot: root, timeoutMs: 300, reader: process.argv[3] === 'native' ? 'native' : 'js' });
console.log(`captured ${snap.tasks.length} tasks, errors ${snap.errors.map((e) => e.errno).join(',')}`);
