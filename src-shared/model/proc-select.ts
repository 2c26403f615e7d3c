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
 * ends in `*` (as lsof -c and pgrep -x).
 */
export interface CommPattern {
  bytes: Uint8Array;
  prefix: boolean;
}

const encoder = new TextEncoder();

export function commPattern(text: string): CommPattern {
  const prefix = text.endsWith('*');
  return { bytes: encoder.encode(prefix ? text.slice(0, -1) : text), prefix };
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
  const bytes = commPattern(text).bytes;
  if (bytes.length <= COMM_MAX) return null;
  // The longest whole-character start that fits, as a prefix the person can use instead.
  let cut = COMM_MAX;
  while (cut > 0 && (bytes[cut]! & 0xc0) === 0x80) cut--;
  return `"${displayBStr(text)}" is longer than a comm can be (${COMM_MAX} bytes); use a prefix: "${displayBStr(new TextDecoder().decode(bytes.subarray(0, cut)))}*"`;
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
