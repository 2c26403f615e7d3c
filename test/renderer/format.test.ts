import { describe, expect, it } from 'vitest';
import { signedBytes } from '../../src-renderer/lib/format.js';

describe('signedBytes (the Diff\'s "moved" delta)', () => {
  it('names binary units as sizes are named everywhere, bytes exact below 1 KiB', () => {
    expect(signedBytes(3000)).toBe('+2.9 KiB');
    expect(signedBytes(-500)).toBe('−500 B');
    expect(signedBytes(0)).toBe('+0 B');
    expect(signedBytes(10 * 1024 * 1024)).toBe('+10 MiB');
  });
});
