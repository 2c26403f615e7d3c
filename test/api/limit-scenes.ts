/** Images for the limits tests of the API and the reports. */
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { newBuilder } from '../../src-main/sim/scenarios.js';
import { openFile } from '../../src-main/sim/common.js';
import { FORMAT_MAJOR, FORMAT_MINOR, type ImageHeader } from '../../src-shared/model/index.js';

export const header = (kernelLimits: ImageHeader['kernelLimits']): ImageHeader => ({
  formatMajor: FORMAT_MAJOR,
  formatMinor: FORMAT_MINOR,
  arch: 'x86_64',
  kernelRelease: '6.1',
  hostname: 'limits-test',
  captureTime: 1_700_000_000_000,
  source: 'sim',
  frozen: false,
  options: {},
  kernelLimits,
});

/**
 * A machine under pressure: a fleet of 30 workers at 9 of their 10 fds, one
 * at its limit exactly, one unlimited, file handles at 90% of fs.file-max
 * and uid 1000 at its inotify instance limit.
 */
export function pressured(): Uint8Array {
  const b = newBuilder('limits-api', 1);
  const sup = b.process({ pid: 100, ppid: 1, comm: 'sup', cmdline: ['sup'], uid: 1000, fdLimit: { soft: null, hard: null } });
  openFile(sup, '/x');
  for (let i = 0; i < 30; i++) {
    const w = b.process({ pid: 200 + i, ppid: 100, comm: `w${i}`, cmdline: ['w'], uid: 1000, fdLimit: { soft: 10, hard: 4096 } });
    for (let k = 0; k < 9; k++) openFile(w, `/data/${i}/${k}`);
  }
  const full = b.process({ pid: 300, ppid: 1, comm: 'full', cmdline: ['full'], uid: 0, fdLimit: { soft: 2, hard: 2 } });
  openFile(full, '/a');
  openFile(full, '/b');
  sup.open('inotify', { path: 'anon_inode:inotify', attrs: { watches: [{ wd: 1, ino: 5, sdev: 1, mask: 2, ignoredMask: 0 }] } }, {});
  sup.open('inotify', { path: 'anon_inode:inotify', attrs: { watches: [] } }, {});
  return encodeSnapshot(
    b.snapshot(
      header({
        'fs.file-nr': 900,
        'fs.file-max': 1000,
        'fs.nr_open': 1048576,
        'fs.inotify.max_user_instances': 2,
        'fs.inotify.max_user_watches': 100,
        'fs.epoll.max_user_watches': 2n ** 60n,
      }),
    ),
  );
}
