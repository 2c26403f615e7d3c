import { describe, expect, it } from 'vitest';
import { ApiCallError, errorText } from '../../src-renderer/lib/api.js';

describe("errorText: the contract's messages in the app's terms", () => {
  it("drops a refused argument's method name", () => {
    const e = new ApiCallError({ code: 'bad-argument', message: 'capture.run: user: no such user "nosuchuser" (not in /etc/passwd)' });
    expect(errorText(e)).toBe('user: no such user "nosuchuser" (not in /etc/passwd)');
    // Only a method's name: other text before a colon stays.
    expect(errorText(new ApiCallError({ code: 'image-error', message: 'junk.ckpt: not imported: not a checkpoint image' }))).toBe(
      'junk.ckpt: not imported: not a checkpoint image',
    );
  });
  it('says an image no longer in the library was deleted, not how to name one on the command line', () => {
    const e = new ApiCallError({
      code: 'not-found',
      message: `no image "${'4'.repeat(64)}" in the library (give an id, an id prefix of 2+ hex digits, or a label)`,
    });
    expect(errorText(e)).toBe('This image is no longer in the library: it was deleted. Choose another one.');
  });
  it('other errors as they are', () => {
    expect(errorText(new Error('boom'))).toBe('boom');
    expect(errorText('x')).toBe('x');
  });
});
