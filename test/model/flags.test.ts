import { describe, expect, it } from 'vitest';
import { flagByName, formatFlags, O } from '../../src-shared/model/index.js';

describe('formatFlags', () => {
  it('names O_SYNC and O_TMPFILE, flags of several bits, rather than O_DSYNC or O_DIRECTORY and a stray bit', () => {
    // fdinfo's flags of open(path, O_WRONLY|O_SYNC): 04010001 with O_LARGEFILE.
    expect(formatFlags(0o4110001)).toBe('O_WRONLY|O_SYNC|O_LARGEFILE');
    expect(formatFlags(O.O_RDWR | O.O_DSYNC | O.O_APPEND)).toBe('O_RDWR|O_APPEND|O_DSYNC');
    expect(formatFlags(O.O_RDWR | O.O_TMPFILE)).toBe('O_RDWR|O_TMPFILE');
    expect(formatFlags(O.O_RDONLY | O.O_DIRECTORY | O.O_NONBLOCK)).toBe('O_RDONLY|O_NONBLOCK|O_DIRECTORY');
    expect(formatFlags(O.O_WRONLY | 0o40000000)).toBe('O_WRONLY|0o40000000');
  });

  it('a search for O_DSYNC still finds an O_SYNC open (O_SYNC includes it)', () => {
    const d = flagByName('dsync')!;
    expect((0o4110001 & d.mask) === d.value).toBe(true);
    const s = flagByName('O_SYNC')!;
    expect((O.O_DSYNC & s.mask) === s.value).toBe(false);
  });
});
