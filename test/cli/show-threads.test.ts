/**
 * `ckpt show` of processes with many threads (a JVM, a Go server): threads
 * that share their process's fd table are one line under it, not a block
 * each naming every other thread; processes sharing a table by CLONE_FILES
 * are named, the first 8 and a count.
 */
import { describe, expect, it } from 'vitest';
import { renderShow } from '../../src-main/cli/render-show.js';
import { simulate } from '../../src-main/sim/index.js';
import { newBuilder } from '../../src-main/sim/scenarios.js';
import { openFile, stdNull } from '../../src-main/sim/common.js';
import { simHeader, T0 } from '../store/helpers.js';

describe('show of threads', () => {
  it('folds the threads sharing their process table into one line, with their names', () => {
    const out = renderShow(simulate({ scenario: 'threads', seed: 1, time: 0 }));
    const jvm = out.slice(out.indexOf('task 3000 '), out.indexOf('\n\n', out.indexOf('task 3000 ')));
    expect(jvm).toContain('\n  fd table 1, shared with 3010\n');
    expect(jvm).toMatch(/\n {2}threads 3001-3004 \(4\): share its fd table \(named GC Thread#0, /);
    expect(out).not.toMatch(/^task 300[1-4] /m);
    // The CLONE_FILES helper is a process: its block stays and points at the listing.
    expect(out).toMatch(/^task 3010 .*\n.*\n {2}fd table 1 shared with 3000 \(listed under 3000\)$/m);
  });

  it('a thread asked for by --pid keeps its block', () => {
    const out = renderShow(simulate({ scenario: 'threads', seed: 1, time: 0 }), { pids: new Set([3000, 3002]) });
    expect(out).toMatch(/^task 3002 thread of 3000 /m);
    expect(out).toMatch(/\n {2}threads 3001, 3003-3004 \(3\): share its fd table/);
  });

  it('3,000 threads are one line; 20 CLONE_FILES sharers are the first 8 and a count', () => {
    const b = newBuilder('many-threads', 1);
    const p = b.process({ pid: 100, ppid: 1, comm: 'server', cmdline: ['server'] });
    stdNull(p);
    openFile(p, '/var/log/server.log', { at: 3 });
    for (let i = 0; i < 3000; i++) p.clone(1000 + i);
    for (let i = 0; i < 20; i++) p.clone(9000 + i, { process: true });
    const lines = renderShow(b.snapshot(simHeader(T0))).split('\n');
    expect(lines).toContain('  threads 1000-3999 (3000): share its fd table');
    expect(lines).toContain('  fd table 1, shared with 9000, 9001, 9002, 9003, 9004, 9005, 9006, 9007 +12');
    expect(lines.filter((l) => l.startsWith('task '))).toHaveLength(21);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(200);
  });

  it("a CLONE_FILES process's own threads fold under it, where its table is said to be listed under another", () => {
    const b = newBuilder('clone-files-threads', 1);
    const p = b.process({ pid: 100, ppid: 1, comm: 'server', cmdline: ['server'] });
    stdNull(p);
    const helper = p.clone(200, { process: true });
    // Threads of the helper: same table, tgid 200.
    for (const tid of [201, 202])
      b.tasks.push({ ...helper, pid: tid, tgid: 200, cmdline: [...helper.cmdline], namespaces: [...helper.namespaces] });
    const out = renderShow(b.snapshot(simHeader(T0)));
    expect(out).toMatch(
      /^task 200 .*\n.*\n {2}fd table 1 shared with 100 \(listed under 100\)\n {2}threads 201-202 \(2\): share its fd table$/m,
    );
  });
});
