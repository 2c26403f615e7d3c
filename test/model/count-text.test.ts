import { describe, expect, it } from 'vitest';
import { contentsText, counted } from '../../src-shared/model/index.js';

describe('counted', () => {
  it('takes the singular for exactly one, the plural otherwise', () => {
    expect(counted(1, 'fd')).toBe('1 fd');
    expect(counted(0, 'fd')).toBe('0 fds');
    expect(counted(2, 'open file')).toBe('2 open files');
    expect(counted(1, 'process')).toBe('1 process');
    expect(counted(3, 'process')).toBe('3 processes');
    expect(counted(12345, 'fd', (n) => n.toLocaleString('en-US'))).toBe('12,345 fds');
  });

  it('says what an image holds', () => {
    expect(contentsText(1, 1, 1)).toBe('1 task, 1 fd, 1 open file');
    expect(contentsText(2, 0, 3)).toBe('2 tasks, 0 fds, 3 open files');
  });
});
