/**
 * Live capture from /proc for the capture view, through the /proc source
 * (src-main/sources/proc). The image bytes go to the store like any import;
 * what the capture could not read is recorded in the image, and the view
 * shows it.
 */
import { captureProc } from '../sources/proc/index.js';
import type { NsType } from '../sources/proc/select.js';
import { encodeSnapshot } from '../engine/writer.js';
import { ApiError } from '../../src-shared/api/contract.js';
import { displayBStr } from '../../src-shared/model/index.js';
import { resolveUsers } from '../../src-shared/model/proc-select.js';
import { systemUsers } from '../util/passwd.js';

/**
 * Exactly one way of selecting, as the contract has checked: pids, or any
 * of a cgroup, a namespace, users (uids or names) and comm patterns.
 */
export type LiveCaptureOptions = { freeze: boolean } & (
  { pids: number[]; tree: boolean } | { cgroup?: string; ns?: { type: NsType; of: number }; user?: (string | number)[]; comm?: string[] }
);

/** Null when live capture works here, else the reason a person reads. */
export function liveCaptureUnavailable(): string | null {
  if (process.platform !== 'linux') return 'live capture reads /proc, which only Linux has';
  return null;
}

/** The uids `user` names; a name /etc/passwd does not know is the caller's mistake, and the message names it. */
export function userUids(user: (string | number)[]): number[] {
  const r = resolveUsers(user, systemUsers);
  if ('unknown' in r) {
    // Worded as the contract words a bad argument, since only /etc/passwd could tell this one.
    const issue = `user: no such user "${displayBStr(r.unknown)}" (not in /etc/passwd)`;
    throw new ApiError('bad-argument', `capture.run: ${issue}`, { issues: [issue] });
  }
  return r.uids;
}

export async function liveCapture(opts: LiveCaptureOptions, progress: (done: number, total: number) => void): Promise<Uint8Array> {
  let sel;
  if ('pids' in opts) sel = opts;
  else {
    const { user, comm, ...rest } = opts;
    // Names become uids before anything is read: the header records the uids, as the command line's does.
    sel = { ...rest, ...(user ? { users: userUids(user) } : {}), ...(comm ? { comms: comm } : {}) };
  }
  progress(0, 2);
  const snap = await captureProc(sel);
  progress(1, 2);
  return encodeSnapshot(snap);
}
