/**
 * Reports in the desktop app: PDF from Electron's own printToPDF (a hidden,
 * sandboxed window with JavaScript off loads the report HTML from a private
 * temporary file), a native save dialog, and the system viewer to open the
 * result. Only reports the backend built are ever written or opened: the
 * renderer names a report by id, never a path.
 */
import { app, BrowserWindow, dialog, shell } from 'electron';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BuiltReport } from '../api/reports.js';
import { writeFileAtomic } from '../util/atomic-file.js';

export async function printPdfElectron(html: string): Promise<Uint8Array> {
  const dir = mkdtempSync(join(app.getPath('temp'), 'ckpt-pdf-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, html);
  const w = new BrowserWindow({
    show: false,
    webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, javascript: false, webviewTag: false },
  });
  try {
    await w.loadURL(pathToFileURL(file).href);
    // The report's own @page (A4 landscape: wide tables) decides, as the system Chromium path does.
    const pdf = await w.webContents.printToPDF({
      printBackground: true,
      pageSize: 'A4',
      preferCSSPageSize: true,
      margins: { marginType: 'default' },
    });
    return new Uint8Array(pdf);
  } finally {
    w.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

const FILTERS: Record<string, { name: string; extensions: string[] }> = {
  html: { name: 'HTML', extensions: ['html'] },
  md: { name: 'Markdown', extensions: ['md'] },
  json: { name: 'JSON', extensions: ['json'] },
  csv: { name: 'CSV', extensions: ['csv'] },
  pdf: { name: 'PDF', extensions: ['pdf'] },
};

export async function saveReportElectron(win: BrowserWindow | null, r: BuiltReport): Promise<string | null> {
  const opts = { defaultPath: join(app.getPath('documents'), r.name), filters: [FILTERS[r.format]!] };
  const choice = win ? await dialog.showSaveDialog(win, opts) : await dialog.showSaveDialog(opts);
  if (choice.canceled || !choice.filePath) return null;
  writeFileAtomic(choice.filePath, (write) => write(r.bytes));
  return choice.filePath;
}

export async function openReportElectron(r: BuiltReport): Promise<string> {
  let path = r.savedPath;
  if (!path) {
    const dir = join(app.getPath('temp'), 'checkpoint-studio-reports');
    mkdirSync(dir, { recursive: true });
    path = join(dir, `${r.id.slice(0, 8)}-${r.name}`);
    writeFileSync(path, r.bytes);
  }
  const err = await shell.openPath(path);
  if (err) throw new Error(`cannot open ${path}: ${err}`);
  return path;
}
