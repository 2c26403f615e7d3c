/**
 * Whether an IPC call may be answered: only from the app's own window, its
 * top frame (an iframe may never call), showing the app's own page (not a
 * page the window was somehow navigated to). Pure, so it is tested without
 * Electron.
 */
export interface SenderFacts {
  /** The call came from the app window's webContents. */
  fromAppWindow: boolean;
  /** The sending frame is the top frame (its parent is null). */
  topFrame: boolean;
  /** URL of the sending frame; null when the frame is gone. */
  frameUrl: string | null;
}

export function trustedSender(s: SenderFacts, rendererUrl: string): boolean {
  if (!s.fromAppWindow || !s.topFrame || !s.frameUrl) return false;
  try {
    const want = new URL(rendererUrl);
    const got = new URL(s.frameUrl);
    return got.protocol === want.protocol && got.host === want.host && got.pathname === want.pathname;
  } catch {
    return false;
  }
}
