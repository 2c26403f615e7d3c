/**
 * Prints an HTML document to PDF with the system's Chromium (headless
 * --print-to-pdf): the browser host's way to make PDF reports, where there is
 * no Electron to call printToPDF. The document is written to a private
 * temporary directory with its own throwaway profile, so nothing of the
 * user's browser is touched; report HTML carries a CSP that forbids scripts
 * and network, so printing it runs nothing it contains.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApiError } from '../../src-shared/api/contract.js';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
const TIMEOUT_MS = 120_000;

export function findChromium(): string | null {
  const env = process.env.CKPT_CHROMIUM;
  if (env) return existsSync(env) ? env : null;
  return CANDIDATES.find((c) => existsSync(c)) ?? null;
}

export async function printPdfWithChromium(html: string): Promise<Uint8Array> {
  const chromium = findChromium();
  if (!chromium)
    throw new ApiError(
      'unavailable',
      `PDF needs Chromium (looked for ${process.env.CKPT_CHROMIUM ?? CANDIDATES.join(', ')}; set CKPT_CHROMIUM)`,
    );
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-pdf-'));
  try {
    const src = join(dir, 'report.html');
    const out = join(dir, 'report.pdf');
    writeFileSync(src, html);
    const args = [
      '--headless',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-extensions',
      `--user-data-dir=${join(dir, 'profile')}`,
      '--no-pdf-header-footer',
      `--print-to-pdf=${out}`,
      pathToFileURL(src).href,
    ];
    // Chromium refuses to start its sandbox as root; a headless print of our own escaped document needs none.
    if (process.getuid?.() === 0) args.unshift('--no-sandbox');
    const stderr = await new Promise<string>((ok, fail) => {
      execFile(chromium, args, { timeout: TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 }, (err, _stdout, errText) => {
        if (err && !existsSync(out))
          fail(new ApiError('unavailable', `Chromium could not print the report: ${err.message.split('\n')[0]}`));
        else ok(String(errText));
      });
    });
    if (!existsSync(out))
      throw new ApiError(
        'unavailable',
        `Chromium printed no PDF: ${stderr
          .split('\n')
          .filter((l) => !/dbus/i.test(l))
          .slice(-3)
          .join(' ')}`,
      );
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Pages in a PDF: its page objects (/Type /Page, not /Pages). */
export function countPdfPages(pdf: Uint8Array): number {
  const text = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).toString('latin1');
  return (text.match(/\/Type\s*\/Page(?![a-z])/g) ?? []).length;
}
