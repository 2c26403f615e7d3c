/**
 * This machine's user names, from /etc/passwd read afresh on each call (no
 * NSS, as lsof -u and ps -u read it without one): `ckpt capture --user`,
 * the app's capture by user, `user:` in a search and the process list all
 * take and show the same names. Empty where the file cannot be read.
 */
import { readFileSync } from 'node:fs';
import { passwdUids } from '../../src-shared/model/proc-select.js';

export function systemUsers(): Map<string, number> {
  try {
    return passwdUids(readFileSync('/etc/passwd', 'utf8'));
  } catch {
    return new Map();
  }
}

/** Each uid's name: the first listed for it, as ps shows one. */
export function systemUserNames(): Map<number, string> {
  const m = new Map<number, string>();
  for (const [name, uid] of systemUsers()) if (!m.has(uid)) m.set(uid, name);
  return m;
}
