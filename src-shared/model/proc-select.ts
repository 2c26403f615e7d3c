/**
 * Selecting processes by user and by name (`ckpt capture --user/--comm`, the
 * app's capture.run), the part that needs no /proc: what a comm pattern is
 * and which comms it takes, how a user name becomes a uid. Here rather than
 * beside the selection code (src-main/sources/proc/select.ts), because the
 * API contract validates with it and the Capture view counts with it, so
 * the count and the capture cannot disagree on what a pattern takes.
 */
import { displayBStr } from './bstr.js';

/** The most bytes a comm can hold (TASK_COMM_LEN less its NUL): the kernel cuts longer names there. */
export const COMM_MAX = 15;

/**
 * A comm pattern as bytes: the UTF-8 of NAME, whole, or its start when it
 * ends in `*` (as lsof -c and pgrep -x). A backslash takes the character
 * after it as it is, so any comm can be named: `a\,b` (a comma, which
 * otherwise separates names), `x\*` (a comm that ends in a star), `\\`.
 */
export interface CommPattern {
  bytes: Uint8Array;
  prefix: boolean;
}

const encoder = new TextEncoder();

export function commPattern(text: string): CommPattern {
  let name = '';
  let prefix = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) name += text[++i];
    else if (c === '*' && i === text.length - 1) prefix = true;
    else name += c;
  }
  return { bytes: encoder.encode(name), prefix };
}

/**
 * A list of comm patterns as typed (`--comm`, the Capture view): split at
 * commas a backslash does not take, each without the blanks around it;
 * the patterns keep their backslashes (commPattern reads them).
 */
export function splitCommList(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  const push = () => {
    // Blanks at the end stay when a backslash took the last of them.
    let end = cur.length;
    while (end > 0 && /\s/.test(cur[end - 1]!) && !escapedAt(cur, end - 1)) end--;
    const item = cur.slice(0, end).replace(/^\s+/, '');
    if (item) out.push(item);
    cur = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) cur += c + text[++i];
    else if (c === ',') push();
    else cur += c;
  }
  push();
  return out;
}

/** Whether the character at `at` is taken as it is by a backslash before it. */
function escapedAt(text: string, at: number): boolean {
  let n = 0;
  while (at - 1 - n >= 0 && text[at - 1 - n] === '\\') n++;
  return n % 2 === 1;
}

/** A comm as a pattern that takes exactly it (the Capture view prefills with this). */
export function commAsPattern(comm: string): string {
  return comm.replace(/[\\,*]|^\s|\s$/g, (c) => `\\${c}`);
}

/** Whether one of `patterns` takes `comm` (its bytes, without the newline /proc/PID/comm ends with). */
export function commMatches(comm: Uint8Array, patterns: readonly CommPattern[]): boolean {
  return patterns.some((p) => {
    if (p.prefix ? comm.length < p.bytes.length : comm.length !== p.bytes.length) return false;
    for (let i = 0; i < p.bytes.length; i++) if (comm[i] !== p.bytes[i]) return false;
    return true;
  });
}

/** Why `text` can never select a process as a comm pattern, or null when it can. */
export function commProblem(text: string): string | null {
  if (!text) return 'an empty name';
  if (text.endsWith('\\') && !escapedAt(text, text.length - 1))
    return `"${displayBStr(text)}" ends in a lone backslash (\\\\ names a backslash, \\, a comma, \\* a star)`;
  for (let i = 0; i < text.length - 1; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '*')
      return `"${displayBStr(text)}": a * only at the end (NAME* for names that start with NAME); \\* for a star in a name`;
  }
  const bytes = commPattern(text).bytes;
  if (bytes.length <= COMM_MAX) return null;
  // The longest whole-character start that fits, as a prefix the person can use instead.
  let cut = COMM_MAX;
  while (cut > 0 && (bytes[cut]! & 0xc0) === 0x80) cut--;
  return `"${displayBStr(text)}" is longer than a comm can be (${COMM_MAX} bytes); use a prefix: "${displayBStr(commAsPattern(new TextDecoder().decode(bytes.subarray(0, cut))))}*"`;
}

/** The names and uids of a passwd file's text; a name listed twice keeps its first uid (as lsof -u and ps -u read it, without NSS). */
export function passwdUids(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && f[0] && /^\d+$/.test(f[2]!) && !m.has(f[0])) m.set(f[0], Number(f[2]));
  }
  return m;
}

/** The largest uid: uid_t is 32 bits. */
export const UID_MAX = 0xffffffff;

/**
 * Users as uids, in the order given and once each: a number, or a string of
 * digits, is a uid; anything else a name `names` must know. The first name
 * it does not know is returned instead, for the caller to name it.
 */
export function resolveUsers(
  users: readonly (string | number)[],
  names: () => Map<string, number>,
): { uids: number[] } | { unknown: string } {
  let known: Map<string, number> | undefined;
  const out: number[] = [];
  for (const u of users) {
    if (typeof u === 'number') out.push(u);
    else if (/^\d+$/.test(u) && Number(u) <= UID_MAX) out.push(Number(u));
    else {
      known ??= names();
      const uid = known.get(u);
      if (uid === undefined) return { unknown: u };
      out.push(uid);
    }
  }
  return { uids: [...new Set(out)] };
}
