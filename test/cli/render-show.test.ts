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
    expect(out).toContain(`task ${child.pid} ppid ${child.ppid}`);
    expect(out).toMatch(new RegExp(`^task ${child.pid} .*\\n  zombie: exited, not reaped by its parent \\(ppid ${child.ppid}\\)$`, 'm'));
    // Elsewhere (search, diff, reports, the app) the file reads as unnamed, not as nothing.
    expect(describeFile(f)).toBe(UNNAMED);
  });
});
