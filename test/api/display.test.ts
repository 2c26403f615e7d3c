/**
 * The app shows a name the way the CLI and reports do: a valid UTF-8 name
 * and a name of raw bytes never look the same, whatever characters they hold.
 */
import { describe, expect, it } from 'vitest';
import { bstr } from '../../src-renderer/lib/format.js';
import { bstrToJson, displayBStr } from '../../src-shared/model/index.js';

describe('bstr display in the app', () => {
  it('escapes UTF-8 text exactly as displayBStr does', () => {
    for (const s of ['plain', 'tab\there', 'new\nline', 'back\\slash', 'bidi\u202eevil', 'c1\u0085x', 'ok é'])
      expect(bstr(bstrToJson(s))).toBe(displayBStr(s));
  });

  it('keeps a name holding the text \\xff apart from one holding the byte 0xff', () => {
    const text = bstr(bstrToJson('a\\xff'));
    const bytes = bstr(bstrToJson(new Uint8Array([0x61, 0xff])));
    expect(bytes).toBe('a\\xff');
    expect(text).not.toBe(bytes);
  });
});
