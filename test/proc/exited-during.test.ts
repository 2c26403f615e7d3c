/** A process that exits while its fds are read: one error record for it, not one per fd. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exitedDuring } from '../../src-main/sources/proc/capture.js';
import type { CaptureError } from '../../src-shared/model/index.js';

const root = mkdtempSync(join(tmpdir(), 'ckpt-exited-'));
mkdirSync(join(root, '200')); // still there at the end of the capture
afterAll(() => rmSync(root, { recursive: true, force: true }));

const gone = (pid: number, fd: number): CaptureError => ({
  errno: 'ENOENT',
  pid,
  fd,
  where: `${root}/${pid}/fd/${fd}`,
  message: 'cannot read link',
});

describe('exitedDuring', () => {
  it('folds the fds of a process gone by the end into one record that names them', () => {
    const other: CaptureError = { errno: 'EACCES', pid: 1, fd: -1, where: '/proc/1/fd', message: 'cannot list fds' };
    const errors = [other, ...[3, 4, 5, 9, 12, 13].map((fd) => gone(100, fd)), gone(200, 7), gone(200, 8), gone(300, 4)];
    const out = exitedDuring(errors, root);
    expect(out).toEqual([
      other,
      {
        errno: 'ENOENT',
        pid: 100,
        fd: -1,
        where: `${root}/100/fd`,
        message: 'exited during the capture: 6 fds could not be read (3-5, 9, 12-13)',
      },
      // Still running: those fds were closed meanwhile, each its own record.
      gone(200, 7),
      gone(200, 8),
      // One fd alone stays as it is.
      gone(300, 4),
    ]);
  });
  it('leaves the list as it is when nothing folds', () => {
    const errors = [gone(200, 1), gone(200, 2)];
    expect(exitedDuring(errors, root)).toBe(errors);
  });
});
