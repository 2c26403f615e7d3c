import { describe, expect, it } from 'vitest';
import { middleEllipsis } from '../../src-renderer/lib/middle.js';

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
