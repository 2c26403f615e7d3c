/** Lock texts (src-shared/model/lock-text.ts): every kind, ranges, and the JSON form's u64 text. */
import { describe, expect, it } from 'vitest';
import { lockLong, lockShort, locksTag } from '../../src-shared/model/lock-text.js';

describe('lock texts', () => {
  it('short forms on a line of fds, long forms in details', () => {
    const ofd = { kind: 'ofd' as const, write: false, pid: -1, start: 100, end: null };
    const posix = { kind: 'posix' as const, write: true, pid: 7, start: 0n, end: 9n };
    // The JSON form: a u64 past 2^53 as decimal text.
    const big = { kind: 'posix' as const, write: false, pid: 7, start: '9007199254740993', end: null };
    const lease = { kind: 'lease' as const, write: true, pid: 8, start: 0, end: null };
    expect(lockShort(ofd)).toBe('ofd R 100-EOF');
    expect(lockShort(big)).toBe('posix R 9007199254740993-EOF');
    expect(locksTag([])).toBe('');
    expect(locksTag([lease])).toBe('[lock lease W]');
    expect(locksTag([posix, ofd])).toBe('[locks posix W 0-9, ofd R 100-EOF]');
    // An OFD lock belongs to no process (the kernel says -1): none is named.
    expect(lockLong(ofd)).toBe('open file description lock, shared (read), bytes 100-EOF');
    expect(lockLong(posix)).toBe('POSIX record lock, exclusive (write), bytes 0-9, held by process 7');
    expect(lockLong(lease)).toBe('lease, exclusive (write), whole file, held by process 8');
  });
});
