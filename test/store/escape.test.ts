/**
 * Store errors that quote what a person typed (an image ref, a tag, a file
 * name) never carry its control characters, ESC or bidi controls raw to the
 * terminal: they are escaped as names are (displayBStr).
 */
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src-main/store/index.js';
import { simBytes, withStore } from './helpers.js';

// C0 controls (ESC, BEL, newline, CR, tab), DEL, C1, and the bidi controls.
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const HOSTILE = 'x\u001b]0;owned\u0007\nline2\r\u202egnp.exe\u2066\t"q"';

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StoreError);
    return (e as Error).message;
  }
  throw new Error('did not fail');
}

describe('store error messages escape what a person typed', () => {
  it('no image REF, a bad tag, an unreadable file name', () =>
    withStore((s) => {
      s.importBytes(simBytes({ scenario: 'web-server' }), { label: 'web' });
      const notFound = message(() => s.getImage(HOSTILE));
      expect(notFound).not.toMatch(RAW);
      expect(notFound).toContain('no image "x\\x1b]0;owned\\x07\\nline2\\r\\u202egnp.exe\\u2066\\t\\"q\\"" in the library');
      for (const m of [
        message(() => s.getSnapshot(HOSTILE)),
        message(() => s.setLabel(HOSTILE, 'l')),
        message(() => s.deleteImage(`web${HOSTILE}`)),
        message(() => s.setTags('web', [HOSTILE])),
        message(() => s.importFile(`/nonexistent/${HOSTILE}`)),
        message(() => s.importBytes(Buffer.from('not an image'), {}, undefined, HOSTILE)),
      ])
        expect(m).not.toMatch(RAW);
    }));
});
