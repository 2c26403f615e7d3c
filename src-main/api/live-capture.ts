/**
 * Live capture from /proc for the capture view, through the /proc source
 * (src-main/sources/proc). The image bytes go to the store like any import;
 * what the capture could not read is recorded in the image, and the view
 * shows it.
 */
import { captureProc } from '../sources/proc/index.js';
import type { NsType } from '../sources/proc/select.js';
import { encodeSnapshot } from '../engine/writer.js';

/** Exactly one way of selecting, as the contract has checked: pids, or a cgroup and/or a namespace. */
export type LiveCaptureOptions = { freeze: boolean } & (
  { pids: number[]; tree: boolean } | { cgroup?: string; ns?: { type: NsType; of: number } }
);

/** Null when live capture works here, else the reason a person reads. */
export function liveCaptureUnavailable(): string | null {
  if (process.platform !== 'linux') return 'live capture reads /proc, which only Linux has';
  return null;
}

export async function liveCapture(opts: LiveCaptureOptions, progress: (done: number, total: number) => void): Promise<Uint8Array> {
  progress(0, 2);
  const snap = await captureProc(opts);
  progress(1, 2);
  return encodeSnapshot(snap);
}
