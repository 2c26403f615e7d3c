/**
 * Report layout, measured in real Chromium (the browser the PDF path prints
 * with): numbers, names, kinds and flags stay on one line in HTML at a
 * window's width and in print, a 2.4 KB path wraps in its own column without
 * squeezing the others, and a printed PDF (pdftotext -layout) has pid, pos
 * and kind whole, a 1-process image of 33 fds on few pages.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { O, type Snapshot } from '../../src-shared/model/index.js';
import { countPdfPages, findChromium, printPdfWithChromium } from '../../src-main/api/pdf-chromium.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { openFile, stdNull, tcpConn, tcpListen } from '../../src-main/sim/common.js';
import { newBuilder } from '../../src-main/sim/scenarios.js';
import { Store } from '../../src-main/store/index.js';
import { simHeader, tempHome, T0 } from '../store/helpers.js';

const CHROMIUM = findChromium();
const DEEP =
  '/tmp/trial/fx/deep/' + Array.from({ length: 60 }, (_, i) => `directory-level-${String(i).padStart(2, '0')}-x`).join('/') + '/file.txt';

const header = simHeader;

const LOG_FLAGS = O.O_WRONLY | O.O_APPEND | O.O_LARGEFILE;

/** One python3 process, pid 30661, with 33 fds: a deleted log at pos 6000, sockets, regular files; with `deep`, one 2.4 KB path. */
function image(deep: boolean, time: number): Snapshot {
  const b = newBuilder('layout', 1);
  const p = b.process({ pid: 30661, ppid: 1, comm: 'python3', cmdline: ['/usr/bin/python3', 'dellog.py'] });
  stdNull(p);
  openFile(p, '/tmp/trial-app/fx/logs/service.log', { flags: LOG_FLAGS, pos: 6000, size: 6000, deleted: true, nlink: 0, at: 3 });
  tcpListen(p, '127.0.0.1', 47123, 4);
  tcpConn(p, '127.0.0.1', 57208, '127.0.0.1', 47123);
  for (let fd = 6; fd < 33; fd++)
    openFile(p, deep && fd === 12 ? DEEP : `/tmp/trial-app/fx/data/chunk-${fd}-0.dat`, { flags: LOG_FLAGS, pos: 6000 + fd, at: fd });
  return b.snapshot(header(time));
}

let store: Store;
let cleanup: () => void;
let plain: string;
let deep: string;
let browser: Browser | null = null;

beforeAll(async () => {
  const h = tempHome();
  cleanup = h.cleanup;
  store = Store.open(h.home);
  plain = store.importBytes(encodeSnapshot(image(false, T0)), { label: 'plain' }).image.id;
  deep = store.importBytes(encodeSnapshot(image(true, T0 + 60_000)), { label: 'deep' }).image.id;
  if (CHROMIUM) browser = await chromium.launch({ executablePath: CHROMIUM, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
});

afterAll(async () => {
  await browser?.close();
  store.close();
  cleanup();
});

interface Cell {
  table: string;
  col: string;
  text: string;
  lines: number;
  overflow: boolean;
  wrap: boolean;
  width: number;
}

/** Every body cell of every table: on how many lines its text is laid out, and whether it overflows its box. */
async function cells(page: Page): Promise<Cell[]> {
  return page.evaluate(() => {
    const out: Cell[] = [];
    for (const t of document.querySelectorAll('table')) {
      const title = t.closest('.tw')?.previousElementSibling?.textContent ?? '';
      const heads = [...t.querySelectorAll('thead th')].map((th) => th.textContent ?? '');
      for (const tr of t.querySelectorAll('tbody tr'))
        [...tr.children].forEach((td, i) => {
          const r = document.createRange();
          r.selectNodeContents(td);
          // One line box per line: distinct tops of the text's rects.
          const tops = new Set([...r.getClientRects()].map((x) => Math.round(x.top)));
          out.push({
            table: title,
            col: heads[i] ?? '',
            text: td.textContent ?? '',
            lines: tops.size,
            overflow: td.scrollWidth > td.clientWidth,
            wrap: td.classList.contains('w'),
            width: td.getBoundingClientRect().width,
          });
        });
    }
    return out;
  });
}

async function layout(
  html: string,
  width: number,
  media: 'screen' | 'print',
): Promise<{ cells: Cell[]; pageWidth: number; bodyWidth: number }> {
  const page = await browser!.newPage({ viewport: { width, height: 900 } });
  try {
    await page.emulateMedia({ media });
    await page.setContent(html);
    return {
      cells: await cells(page),
      pageWidth: await page.evaluate(() => document.documentElement.scrollWidth),
      bodyWidth: await page.evaluate(() => document.documentElement.clientWidth),
    };
  } finally {
    await page.close();
  }
}

// A4 landscape less 10 mm margins: 277 mm at 96 px per inch.
const PRINT_WIDTH = Math.floor((277 / 25.4) * 96);

describe.skipIf(!CHROMIUM)('report layout in Chromium', () => {
  for (const [what, width, media] of [
    ['at 1400 px', 1400, 'screen'],
    ['in print (A4 landscape)', PRINT_WIDTH, 'print'],
  ] as const)
    it(`HTML ${what}: short columns on one line, the long path wraps in its own column`, async () => {
      for (const req of [
        { what: 'image' as const, id: deep },
        { what: 'diff' as const, a: plain, b: deep },
        { what: 'search' as const, query: 'pid:30661' },
      ]) {
        const { cells: all, pageWidth, bodyWidth } = await layout(store.export(req, 'html'), width, media);
        expect(all.length).toBeGreaterThanOrEqual(8);
        const bad = all
          .filter((c) => !c.wrap && (c.lines !== 1 || c.overflow))
          .map((c) => `${c.table}/${c.col}: ${c.text} (${c.lines} lines)`);
        expect(bad).toEqual([]);
        // The page does not scroll sideways: the path's column took what was left, and wrapped.
        expect(pageWidth).toBeLessThanOrEqual(bodyWidth);
        const path = all.find((c) => c.text.includes('directory-level-59'))!;
        expect(path.wrap).toBe(true);
        expect(path.lines).toBeGreaterThan(3);
        if (req.what === 'image') {
          const row = all.filter((c) => c.table === 'Open fds');
          expect(row.find((c) => c.col === 'pos' && c.text === '6000')?.lines).toBe(1);
          expect(row.find((c) => c.col === 'pid')!.text).toBe('30661');
          expect(row.find((c) => c.col === 'target' && c.text.includes('service.log'))!.lines).toBe(1);
        }
      }
    });

  it('PDF: numbers and words whole, a 1-process image of 33 fds on two pages at most', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-layout-'));
    try {
      for (const [id, maxPages] of [
        [plain, 2],
        [deep, 3],
      ] as const) {
        const pdf = await printPdfWithChromium(store.export({ what: 'image', id }, 'html'));
        expect(countPdfPages(pdf)).toBeLessThanOrEqual(maxPages);
        const file = join(dir, 'r.pdf');
        writeFileSync(file, pdf);
        const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
        // The deleted log's row, whole on one line: pid, comm, fd, kind, flags, pos, target.
        expect(text).toMatch(
          /\b30661\s+python3\s+3\s+regular\s+O_WRONLY\|O_APPEND\|O_LARGEFILE\s+6000\s+no\s+no\s+\/tmp\/trial-app\/fx\/logs\/service\.log \(deleted/,
        );
        // The fd rows (the Fd limits table has one more line for the pid).
        const rows = text.split('\n').filter((l) => /^\s*30661\s+python3\s+\d+\s+[a-z]/.test(l));
        expect(rows).toHaveLength(33);
        for (const l of rows)
          expect(l).toMatch(/^\s*30661\s+python3\s+\d+\s+(chardev|regular|inet-socket)\s+O_\S+\s+\d+\s+(yes|no)\s+(yes|no)\s+\S/);
      }
      const diff = await printPdfWithChromium(store.export({ what: 'diff', a: plain, b: deep }, 'html'));
      writeFileSync(join(dir, 'd.pdf'), diff);
      const text = execFileSync('pdftotext', ['-layout', join(dir, 'd.pdf'), '-'], { encoding: 'utf8' });
      expect(text).toMatch(/\b30661\s+30661\s+python3\s+12\s/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
