import { describe, expect, it } from 'vitest';
import { middleEllipsis, twoLines } from '../../src-renderer/lib/middle.js';

/** One unit a character: widths are character counts. */
const chars = (s: string) => Array.from(s).length;

describe('middleEllipsis', () => {
  it('keeps whole words at both ends of a text of words when that keeps nearly as much', () => {
    const t = 'timerfd CLOCK_MONOTONIC every 5.000000000s';
    const shown = middleEllipsis(t, 30, chars);
    expect(chars(shown)).toBeLessThanOrEqual(30);
    expect(shown).toBe('timerfd … every 5.000000000s');
    const u = 'unix stream [100007] (unnamed) CONNECTED peer [100008]';
    const su = middleEllipsis(u, 46, chars);
    expect(chars(su)).toBeLessThanOrEqual(46);
    // Words whole: the cut is between words.
    const [head, tail] = su.split('…') as [string, string];
    expect(head.endsWith(' ')).toBe(true);
    expect(tail.startsWith(' ')).toBe(true);
    expect(u.startsWith(head) && u.endsWith(tail)).toBe(true);
  });
  it('cuts inside a word when whole words would lose too much', () => {
    // A socket: whole words would drop its local address; the plain cut keeps its start.
    const sock = 'tcp4 10.0.0.7:9000 -> 10.0.9.135:42437 ESTABLISHED';
    expect(middleEllipsis(sock, 47, chars).startsWith('tcp4 10.0.0.7:9')).toBe(true);
    const t = 'socket:[12345678901234567890123456789] x';
    const shown = middleEllipsis(t, 20, chars);
    expect(chars(shown)).toBe(20);
  });
  it('keeps the file name of a path, and the whole text when it fits', () => {
    expect(middleEllipsis('/var/log/leaky/app.log.1 (deleted)', 26, chars).endsWith('/app.log.1 (deleted)')).toBe(true);
    expect(middleEllipsis('short', 10, chars)).toBe('short');
  });
});

describe('twoLines', () => {
  it('is one line when the text fits', () => {
    expect(twoLines('tcp4 0.0.0.0:80 LISTEN', 40, chars)).toEqual(['tcp4 0.0.0.0:80 LISTEN']);
  });
  it('breaks after a space with the first line as full as it can be, the whole text kept', () => {
    const t = 'tcp4 10.0.0.7:40011 -> 10.0.3.20:5432 CLOSE_WAIT';
    const l = twoLines(t, 42, chars);
    expect(l).toEqual(['tcp4 10.0.0.7:40011 -> 10.0.3.20:5432 ', 'CLOSE_WAIT']);
    expect(l.join('')).toBe(t);
    const u = 'unix stream [100003] /var/run/postgresql/.s.PGSQL.5432 LISTEN';
    expect(twoLines(u, 42, chars)).toEqual(['unix stream [100003] /var/run/postgresql', '/.s.PGSQL.5432 LISTEN']);
  });
  it("breaks a path before a '/', inside a word only when that alone keeps the whole text", () => {
    expect(twoLines('/var/lib/postgresql/15/main/pg_wal/000000010000000000000042', 40, chars)).toEqual([
      '/var/lib/postgresql/15/main/pg_wal',
      '/000000010000000000000042',
    ]);
    expect(twoLines('socket:[1234567890123456789]', 16, chars)).toEqual(['socket:[12345678', '90123456789]']);
  });
  it('keeps the start whole and the end of a text longer than two lines, shortened in the middle', () => {
    const t = 'unix stream [100021] /run/a/very/long/socket/path/that/goes/on/and/on/app.sock CONNECTED peer [100022]';
    const [a, b] = twoLines(t, 40, chars) as [string, string];
    expect(chars(a.trimEnd())).toBeLessThanOrEqual(40);
    expect(chars(b)).toBeLessThanOrEqual(40);
    expect(t.startsWith(a)).toBe(true);
    expect(b).toContain('…');
    expect(t.endsWith(b.split('…')[1]!)).toBe(true);
  });
});
