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

  it('escapes characters that show as nothing or as another character', () => {
    const cases: [string, string][] = [
      ['log\u200b', 'log\\u200b'],
      ['a\u00a0b', 'a\\u00a0b'],
      ['\ufeffx', '\\ufeffx'],
      ['so\u00adft', 'so\\u00adft'],
      ['tag\u{e0041}', 'tag\\U000e0041'],
      ['rl\u2067x', 'rl\\u2067x'],
      ['ideo\u3000sp', 'ideo\\u3000sp'],
      // Default-ignorable though not format characters: they show as nothing too.
      ['log\u3164', 'log\\u3164'],
      ['\u115fx', '\\u115fx'],
      ['log\ufe0f', 'log\\ufe0f'],
      ['lo\u034fg', 'lo\\u034fg'],
    ];
    for (const [name, shown] of cases) {
      expect(displayBStr(name)).toBe(shown);
      expect(displayBStr(new TextEncoder().encode(name))).toBe(shown);
      expect(bstr(bstrToJson(name))).toBe(shown);
    }
    // Letters outside ASCII stay as they are.
    expect(displayBStr('café ünïcode 日本 😀')).toBe('café ünïcode 日本 😀');
  });

  it('keeps a name holding the text \\xff apart from one holding the byte 0xff', () => {
    const text = bstr(bstrToJson('a\\xff'));
    const bytes = bstr(bstrToJson(new Uint8Array([0x61, 0xff])));
    expect(bytes).toBe('a\\xff');
    expect(text).not.toBe(bytes);
  });
});
