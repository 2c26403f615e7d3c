/**
 * A process exits while it is captured. Exiting, the kernel lets go of the
 * whole fd table at once and then closes its files one by one (thousands:
 * milliseconds) before the process is a zombie: its fd directory lists
 * nothing meanwhile. A capture then must not record an empty fd table, as
 * if the process held nothing: it records the whole table, a zombie, or
 * the "exited during the capture" error (with the fds it read before).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { captureProc } from '../../src-main/sources/proc/index.js';
import { start } from './fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'ckpt-exiting-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FILES = 4000;

it('never records a live-looking empty fd table for a process that exits during the capture (both readers)', async () => {
  const seen: Record<string, number> = {};
  for (const reader of ['native', 'js'] as const) {
    // How long a capture of it takes here: the exits are spread over that.
    const still = await start('exiter', [dir, String(FILES), '60000000']);
    const t0 = performance.now();
    const whole = await captureProc({ pids: [still.pid], reader });
    const took = performance.now() - t0;
    still.proc.kill('SIGKILL');
    expect(whole.fdTables[0]!.fds.length).toBeGreaterThanOrEqual(FILES + 100);
    for (let i = 0; i < 16; i++) {
      const fx = await start('exiter', [dir, String(FILES), String(Math.round((took * 1000 * i) / 14))]);
      fx.proc.stdin!.write('x');
      let snap;
      try {
        snap = await captureProc({ pids: [fx.pid], reader });
      } catch (e) {
        // Gone before the capture listed it: nothing captured, said so.
        expect(String(e)).toMatch(/no such process/);
        seen.gone = (seen.gone ?? 0) + 1;
        await fx.stop();
        continue;
      }
      await fx.stop();
      const task = snap.tasks.find((t) => t.pid === fx.pid);
      const mine = snap.errors.filter((e) => e.pid === fx.pid);
      const exited = mine.find((e) => e.fd === -1 && e.message.startsWith('exited during the capture'));
      const table = task ? snap.fdTables.find((t) => t.ref === task.fdTable) : undefined;
      let what: string;
      if (!task) what = 'gone';
      else if (task.zombie) what = 'zombie';
      else if (table && table.fds.length >= FILES + 100) what = 'whole';
      else if (table) {
        // Part of it read, then it exited: one record says so, or each missing fd has its own.
        expect(table.fds.length, `${reader}: an empty fd table for a process that was exiting`).toBeGreaterThan(0);
        expect(
          exited ?? mine.find((e) => e.fd >= 0 && (e.errno === 'ENOENT' || e.errno === 'ESRCH')),
          JSON.stringify(mine.slice(0, 3)),
        ).toBeTruthy();
        what = 'partial';
      } else {
        // No table: it exited while listed ("exited during the capture"), or
        // its fd directory was gone by the time it was opened (ENOENT on it).
        const dirGone = mine.find((e) => e.fd === -1 && e.errno === 'ENOENT' && /\/fd(info)?$/.test(String(e.where)));
        expect(exited ?? dirGone, JSON.stringify(mine)).toBeTruthy();
        what = exited ? 'exited' : 'fd directory gone';
      }
      seen[what] = (seen[what] ?? 0) + 1;
    }
  }
  console.log('exiting process captured as', seen);
  // Some attempts met the exit itself, or this tested nothing.
  expect((seen.exited ?? 0) + (seen.partial ?? 0) + (seen.zombie ?? 0) + (seen['fd directory gone'] ?? 0)).toBeGreaterThan(0);
}, 180_000);
