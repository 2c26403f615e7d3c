/**
 * Byte strings. Linux paths, comm and command lines are bytes, not text: a
 * name may hold any byte but NUL (and '/' in a component). The model keeps
 * them exact with one rule: a BStr is a JS string when its bytes are valid
 * UTF-8 (the common case, cheap to store and search) and a Uint8Array holding
 * the exact bytes otherwise. Code that needs text for a person calls
 * displayBStr, which escapes; nothing else may turn bytes into a string.
 */
export type BStr = string | Uint8Array;

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** Normalise raw bytes into a BStr (string iff valid UTF-8). */
export function bstrFromBytes(bytes: Uint8Array): BStr {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    // A copy even when given a Buffer (whose slice() is a view): the bytes
    // may sit in a buffer that is about to be reused.
    return Uint8Array.prototype.slice.call(bytes);
  }
}

export function bstrToBytes(b: BStr): Uint8Array {
  return typeof b === 'string' ? encoder.encode(b) : b;
}

const HEX = '0123456789abcdef';
/**
 * Characters that show as nothing or as another: format (Cf), line and
 * paragraph separators, spaces other than U+0020, and the rest of Unicode's
 * default-ignorable characters, which are not Cf: Hangul fillers (U+3164,
 * U+115F), variation selectors (U+FE0F), the combining grapheme joiner.
 */
const DISGUISING = /^[\p{Cf}\p{Zl}\p{Zp}\p{Zs}\p{Default_Ignorable_Code_Point}]$/u;

function escapeCodePoint(cp: number): string {
  switch (cp) {
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x5c:
      return '\\\\';
    default:
      if (cp < 0x20 || cp === 0x7f) return '\\x' + HEX[cp >> 4] + HEX[cp & 15];
      if (cp >= 0x80 && cp < 0xa0) return '\\u' + cp.toString(16).padStart(4, '0');
      // Bidi controls, line/paragraph separators, invisible characters
      // (zero-width space and joiners, soft hyphen, BOM, tag characters:
      // Unicode's format class) and spaces other than U+0020 can disguise a
      // name: "log\u200b" and "log" must not display the same.
      if (cp >= 0xa0 && DISGUISING.test(String.fromCodePoint(cp)))
        return cp > 0xffff ? '\\U' + cp.toString(16).padStart(8, '0') : '\\u' + cp.toString(16).padStart(4, '0');
      return String.fromCodePoint(cp);
  }
}

/**
 * Text for a person: control characters, backslashes, bidi overrides and
 * invisible characters are escaped, and every byte that is not part of valid UTF-8 shows as \xNN, so
 * two different names never display the same.
 */
export function displayBStr(b: BStr): string {
  if (typeof b === 'string') {
    if (/^[\x20-\x5b\x5d-\x7e]*$/.test(b)) return b;
    let out = '';
    for (const ch of b) out += escapeCodePoint(ch.codePointAt(0)!);
    return out;
  }
  return decodeBytes(b, escapeCodePoint);
}

/**
 * A command-line argument holding bytes that are not UTF-8, as a query:
 * such a name is matched only in its displayed form (displayBStr), so the
 * argument is written in that form too: `$'app\x1b\xff'` is `app\x1b\xff`,
 * a backslash `\\`. Only the query's own syntax stays as typed: whitespace
 * (it separates terms), double quotes, and inside them a backslash and the
 * character it escapes (`\"`, `\\`); there an escape is written with its
 * backslash doubled (`"my log\\xff"`), which the query reads as `\xff`.
 */
export function queryTextOfBytes(b: Uint8Array): string {
  let quoted = false;
  let escaped = false;
  const esc = (e: string) => (quoted ? '\\' + e : e);
  return decodeBytes(
    b,
    (cp) => {
      const ch = String.fromCodePoint(cp);
      if (escaped) {
        escaped = false;
        return ch;
      }
      if (cp === 0x22) quoted = !quoted;
      else if (cp === 0x5c) {
        if (!quoted) return '\\\\';
        escaped = true;
      } else if (!/\s/u.test(ch)) {
        const e = escapeCodePoint(cp);
        return e === ch ? ch : esc(e);
      }
      return ch;
    },
    (hex) => {
      escaped = false;
      return esc(hex);
    },
  );
}

function decodeBytes(b: Uint8Array, shown: (cp: number) => string, invalid: (hex: string) => string = (hex) => hex): string {
  let out = '';
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let n = 0;
    let cp = 0;
    if (c < 0x80) {
      n = 1;
      cp = c;
    } else if (c >= 0xc2 && c <= 0xdf) {
      n = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 4;
      cp = c & 0x07;
    }
    let ok = n > 0 && i + n <= b.length;
    for (let k = 1; ok && k < n; k++) {
      const cc = b[i + k]!;
      if ((cc & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (cc & 0x3f);
    }
    if (ok && n === 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ok = false;
    if (ok && n === 4 && (cp < 0x10000 || cp > 0x10ffff)) ok = false;
    if (!ok) {
      out += invalid('\\x' + HEX[c >> 4] + HEX[c & 15]);
      i += 1;
    } else {
      out += shown(cp);
      i += n;
    }
  }
  return out;
}

/** What terminalText escapes: C0 controls but line feed and tab, DEL, C1, bidi controls, line and paragraph separators. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const TERMINAL_UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const TERMINAL_UNSAFE_ALL = new RegExp(TERMINAL_UNSAFE.source, 'g');

/**
 * Lines of text for a terminal, as displayBStr shows a name but keeping the
 * line breaks and tabs that lay the text out, and leaving backslashes alone
 * (the names in it are escaped already). The command line's net for a name
 * that reached a message unescaped: an ESC or a BEL in it would otherwise
 * rewrite the terminal (`printf 'x\x1b[8m'` hides what follows).
 */
export function terminalText(s: string): string {
  return TERMINAL_UNSAFE.test(s) ? s.replace(TERMINAL_UNSAFE_ALL, (ch) => escapeCodePoint(ch.codePointAt(0)!)) : s;
}

export function bytesToHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]! >> 4]! + HEX[b[i]! & 15]!;
  return s;
}

export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error(`not a hex byte string: ${hex.slice(0, 40)}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** JSON form: valid UTF-8 stays a string; raw bytes become {text, hex}. */
export type BStrJson = string | { text: string; hex: string };

export function bstrToJson(b: BStr): BStrJson {
  return typeof b === 'string' ? b : { text: displayBStr(b), hex: bytesToHex(b) };
}

export function bstrFromJson(j: BStrJson): BStr {
  return typeof j === 'string' ? j : bstrFromBytes(hexToBytes(j.hex));
}
