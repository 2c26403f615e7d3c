/**
 * The addon's exitEarly (src-native/exit-early.c), with which a capture
 * ends: the process exits with the code it is given, after the 'exit'
 * listeners registered before it (the code cache is made in one), with all
 * it wrote delivered, and its pipes closed (the child that tears its
 * memory down holds none of its fds).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { procfdPath } from '../../src-main/sources/proc/procfd-reader.js';

describe('exitEarly', () => {
  it('exits with the code given, after the earlier exit listeners, its output delivered and its pipes closed', () => {
    const script = `
      const m = require(${JSON.stringify(procfdPath())});
      const big = [];
      for (let i = 0; i < 200000; i++) big.push({ i, s: 'x' + i });
      process.on('exit', (code) => require('fs').writeSync(1, 'earlier listener saw ' + code + ' of ' + big.length + '\\n'));
      process.stdout.write('x'.repeat(100000) + '\\n');
      process.once('beforeExit', () => {
        process.on('exit', (code) => m.exitEarly(code));
        process.exitCode = 7;
        process.exit();
      });
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000, maxBuffer: 1 << 22 });
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(7);
    expect(r.stdout).toBe(`${'x'.repeat(100000)}\nearlier listener saw 7 of 200000\n`);
  });

  it("leaves a shared stdout pipe blocking, as node's own exit does: the next writer into it loses nothing", () => {
    // The image goes to stdout, a pipe node makes non-blocking; then head
    // writes 1 MB into the same pipe, whose reader drains it only later.
    const r = spawnSync('sh', ['-c', '{ bin/ckpt.mjs capture --pid $$ -o - ; head -c 1000000 /dev/zero; } | (sleep 0.5; wc -c)'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).not.toMatch(/head|Resource temporarily unavailable/);
    expect(Number(r.stdout.trim())).toBeGreaterThan(1_000_000);
  });

  it("leaves a capture's exit code as it was: 0, 1 (no such process), 2 (usage) (ckpt, through its launcher)", () => {
    const ok = spawnSync('bin/ckpt.mjs', ['capture', '--pid', String(process.pid), '-o', '-'], { timeout: 60_000, maxBuffer: 1 << 26 });
    expect(ok.status).toBe(0);
    expect(ok.stdout.subarray(0, 4).length).toBe(4);
    const gone = spawnSync('bin/ckpt.mjs', ['capture', '--pid', '99999999', '-o', '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
    expect(gone.stderr).toMatch(/no such process: 99999999/);
    expect(gone.status).toBe(1);
    const usage = spawnSync('bin/ckpt.mjs', ['capture', '--pid', 'x', '-o', '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
    expect(usage.status).toBe(2);
  });
});
