/** `ckpt show`'s text for what a capture keeps without all of it: a zombie, an fd whose name could not be read. */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src-main/sim/index.js';
import { renderShow } from '../../src-main/cli/render-show.js';
import { describeFile, NAME_NOT_READABLE, UNNAMED } from '../../src-shared/model/index.js';

describe('show', () => {
  it('says a zombie is one, and why an fd has no name', () => {
    const s = simulate({ scenario: 'everything', seed: 1, time: 0 });
    const [t, child] = [s.tasks[0]!, s.tasks[1]!];
    const table = s.fdTables.find((x) => x.ref === t.fdTable)!;
    const d = table.fds.find((x) => s.files.find((f) => f.ref === x.file)!.kind === 'regular')!;
    const f = s.files.find((x) => x.ref === d.file)!;
    f.path = '';
    s.errors.push({ errno: 'ENAMETOOLONG', pid: t.pid, fd: d.fd, where: `/proc/${t.pid}/fd/${d.fd}`, message: NAME_NOT_READABLE });
    // As a capture records one: no table, no cwd, no root.
    child.zombie = true;
    child.fdTable = 0;
    child.cwd = '';
    child.root = '';
    const out = renderShow(s);
    expect(out).toMatch(new RegExp(`^\\s+${d.fd}[* ] regular .* \\(name not readable: ENAMETOOLONG\\)`, 'm'));
    // The sim's child runs as pid 1 of a pid namespace of its own.
    expect(out).toContain(`task ${child.pid} (pid 1 in its pid namespace) ppid ${child.ppid}`);
    expect(out).toMatch(new RegExp(`^task ${child.pid} .*\\n  zombie: exited, not reaped by its parent \\(ppid ${child.ppid}\\)$`, 'm'));
    // Elsewhere (search, diff, reports, the app) the file reads as unnamed, not as nothing.
    expect(describeFile(f)).toBe(UNNAMED);
  });
});

describe('show --pid', () => {
  it('lists a shared table under the first task shown: a thread or a CLONE_FILES sharer asked for alone', () => {
    const s = simulate({ scenario: 'threads', seed: 1, time: 0 });
    const whole = renderShow(s);
    const fdLines = (out: string) => out.split('\n').filter((l) => /^\s+\d+[* ] /.test(l)).length;
    const table = s.tasks.find((t) => t.pid === 3000)!.fdTable;
    const n = s.fdTables.find((t) => t.ref === table)!.fds.length;
    // Unfiltered, every table once: a shared one is listed under its first task only.
    expect(fdLines(whole)).toBe(s.fdTables.reduce((k, t) => k + t.fds.length, 0));
    for (const pid of [3001, 3010]) {
      const out = renderShow(s, { pids: new Set([pid]) });
      expect(out, String(pid)).toMatch(new RegExp(`^task ${pid} `, 'm'));
      expect(fdLines(out), String(pid)).toBe(n);
      expect(out).not.toContain('listed under');
    }
    // Both asked for: the table once, under the first, and the other points at it.
    const both = renderShow(s, { pids: new Set([3001, 3010]) });
    expect(fdLines(both)).toBe(n);
    expect(both).toMatch(/fd table \d+ shared with .* \(listed under 3001\)/);
  });
});

describe('socket other ends', () => {
  it('pairs TCP ends by address only within one network namespace', () => {
    const s = simulate({ scenario: 'everything', seed: 1, time: 0 });
    const client = s.files.find((f) => f.kind === 'inet-socket' && f.attrs.remotePort === 8443)!;
    const ref = Math.max(...s.files.map((f) => f.ref)) + 1;
    const a = client.attrs;
    s.files.push({
      ...client,
      ref,
      ino: 999_999,
      attrs: { ...a, localAddr: a.remoteAddr!, localPort: a.remotePort!, remoteAddr: a.localAddr!, remotePort: a.localPort! },
    });
    const child = s.tasks.find((t) => t.pid === 6001)!;
    s.fdTables.find((t) => t.ref === child.fdTable)!.fds.push({ fd: 40, file: ref, cloexec: false });
    const line = (out: string) => out.split('\n').find((l) => l.includes(`:50000 -> `) && l.includes('ESTABLISHED'))!;
    expect(line(renderShow(s))).toContain('[other end 6001:40]');
    // The same addresses in another network namespace are another connection.
    child.namespaces = child.namespaces.map((n) => (n.type === 'net' ? { ...n, ino: 4026532999 } : n));
    expect(line(renderShow(s))).not.toContain('other end');
  });

  it('leaves out what a CRIU dump does not record: the hostname, a command line', () => {
    const s = simulate({ scenario: 'pipeline', seed: 1, time: 0 });
    s.header.hostname = '';
    const t = s.tasks[0]!;
    t.cmdline = [];
    const out = renderShow(s);
    expect(out).toMatch(new RegExp(`^image format \\d+\\.\\d+, ${s.header.source} capture \\(`, 'm'));
    expect(out).toMatch(new RegExp(`^task ${t.pid} .* ${String(t.comm)}$`, 'm'));
  });
});
