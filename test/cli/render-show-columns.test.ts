/** `ckpt show`'s fd column as wide as the image's widest fd number: a 5-digit fd does not push its line out of line. */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src-main/sim/index.js';
import { renderShow } from '../../src-main/cli/render-show.js';

describe('show columns', () => {
  it('aligns fds of any width', () => {
    const s = simulate({ scenario: 'everything', seed: 1, time: 0 });
    const table = s.fdTables[0]!;
    table.fds[table.fds.length - 1]!.fd = 15000;
    const lines = renderShow(s)
      .split('\n')
      .filter((l) => /^\s+\d+[* ] /.test(l));
    // The kind column starts at one place on every fd line.
    const kindAt = new Set(lines.map((l) => /^\s+\d+[* ] /.exec(l)![0].length));
    expect(kindAt).toEqual(new Set([2 + 5 + 2]));
    expect(lines.some((l) => l.startsWith('  15000'))).toBe(true);
  });
});
