/**
 * The Electron main process: one window on the built renderer, the API
 * contract's methods registered one IPC channel each, and nothing else the
 * page can reach. The renderer is sandboxed with context isolation and no
 * Node; navigation, new windows, webviews and permission requests are
 * refused; every call's sender must be our own window's top frame.
 */
import { app, BrowserWindow, ipcMain, session, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { EVENT_CHANNEL, IPC_PREFIX, METHOD_LIST } from '../../src-shared/api/methods.js';
import type { ApiEvent } from '../../src-shared/api/contract.js';
import { createBackend } from '../api/handlers.js';
import { resolveHome } from '../store/index.js';
import { electronBinding } from './electron-sqlite.js';
import { CSP } from './csp.js';
import { trustedSender } from './ipc-guard.js';
import { openReportElectron, printPdfElectron, saveReportElectron } from './electron-reports.js';

const here = dirname(fileURLToPath(import.meta.url));
const home = resolveHome({});
const rendererUrl = process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(join(here, '..', 'renderer', 'index.html')).href;
const preload = join(here, '..', 'preload', 'index.cjs');

let win: BrowserWindow | null = null;
const emit = (ev: ApiEvent) => {
  for (const w of BrowserWindow.getAllWindows()) w.webContents.send(EVENT_CHANNEL, ev);
};
// Named here, not left to the shim's own lookup: the import worker must load
// the very addon this thread does, and a worker has no process.resourcesPath.
const nativeBinding = electronBinding();
const backend = createBackend({
  home,
  host: 'electron',
  emit,
  printPdf: printPdfElectron,
  saveReport: (r) => saveReportElectron(win, r),
  openReport: openReportElectron,
  ...(nativeBinding ? { nativeBinding } : {}),
});

function trusted(ev: IpcMainInvokeEvent): boolean {
  const frame = ev.senderFrame;
  return trustedSender(
    { fromAppWindow: !!win && ev.sender === win.webContents, topFrame: !!frame && frame.parent === null, frameUrl: frame?.url ?? null },
    rendererUrl,
  );
}

for (const m of METHOD_LIST) {
  ipcMain.handle(IPC_PREFIX + m, (ev, args: unknown) => {
    if (!trusted(ev))
      return { ok: false, error: { code: 'unavailable', message: `${m}: refused, the call does not come from the app's window` } };
    return backend.dispatch(m, args);
  });
}

function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (e) => e.preventDefault());
  contents.on('will-redirect', (e) => e.preventDefault());
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}
app.on('web-contents-created', (_e, contents) => lockDown(contents));

/**
 * .ckpt files given on the command line (the file association) are imported
 * and the last one opened. Through the backend, in turn with the window's
 * imports: a second connection opened here would repair the library while
 * the import worker's temporary file (named by this process's pid) looks
 * like a dead import's.
 */
async function importArgs(argv: string[]): Promise<string | null> {
  let last: string | null = null;
  const files = argv.filter((a) => a.toLowerCase().endsWith('.ckpt') && existsSync(a));
  if (!files.length) return null;
  for (const f of files) {
    try {
      last = (await backend.importFile(resolve(f))).id;
    } catch (e) {
      console.error(`ckpt: cannot import ${f}: ${(e as Error).message}`);
    }
  }
  if (last) emit({ type: 'library.changed', reason: 'import', ids: [last] });
  return last;
}

function createWindow(): void {
  win = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    title: 'Checkpoint Studio',
    show: false,
    backgroundColor: '#17191d',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win?.show());
  win.on('closed', () => (win = null));
  void win.loadURL(rendererUrl);
}

if (!app.requestSingleInstanceLock()) app.quit();
else {
  app.on('second-instance', async (_e, argv) => {
    const id = await importArgs(argv);
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
      if (id) emit({ type: 'app.open', id });
    }
  });
  app.whenReady().then(async () => {
    const ses = session.defaultSession;
    ses.setPermissionRequestHandler((_wc, _permission, cb) => cb(false));
    ses.setPermissionCheckHandler(() => false);
    // The meta tag covers file://; the header covers the dev server.
    ses.webRequest.onHeadersReceived((details, cb) =>
      cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } }),
    );
    const id = await importArgs(process.argv.slice(1));
    createWindow();
    if (id) win!.webContents.once('did-finish-load', () => emit({ type: 'app.open', id }));
  });
  app.on('window-all-closed', () => {
    // An import in flight rolls back first; quit either way.
    void backend.close().finally(() => app.quit());
  });
}
