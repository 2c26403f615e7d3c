/**
 * Live capture from /proc for the capture view. The /proc source is built
 * in src-main/sources/proc; until it exports a capture function this module
 * says why live capture is unavailable, and the view offers simulations.
 */
export interface LiveCaptureOptions {
  pids: number[];
  tree: boolean;
  freeze: boolean;
}

/** Null when live capture works here, else the reason a person reads. */
export function liveCaptureUnavailable(): string | null {
  if (process.platform !== 'linux') return 'live capture reads /proc, which only Linux has';
  return 'live capture from /proc is not built into this version yet; capture a simulation instead';
}

export async function liveCapture(_opts: LiveCaptureOptions, _progress: (done: number, total: number) => void): Promise<Uint8Array> {
  throw Object.assign(new Error(liveCaptureUnavailable() ?? 'live capture failed'), { name: 'CaptureError' });
}
