/** Exports: an image, diff, search, who holds it, or timeline as HTML, Markdown, JSON or CSV. */
import { snapshotToJson, type Snapshot } from '../../src-shared/model/index.js';
import type {
  DiffOptions,
  DiffResult,
  ExportFormat,
  ExportRequest,
  HoldersResult,
  ImageSummary,
  SearchOptions,
  SearchResult,
  Timeline,
  TimelineSelector,
} from '../../src-shared/store-types.js';
import { StoreError } from '../store/errors.js';
import { diffDoc, holdersDoc, imageDoc, imageLimits, searchDoc, timelineDoc } from './build.js';
import type { Doc } from './doc.js';
import { jsonEscaped } from './escape.js';
import { jsonPieces } from './json-pieces.js';
import { renderCsv, renderHtml, renderMarkdown } from './render.js';

export interface ReportSource {
  getImage(id: string): ImageSummary;
  getSnapshot(id: string): Snapshot;
  search(q: string, o?: SearchOptions): SearchResult;
  diff(a: string, b: string, o?: DiffOptions): DiffResult;
  timeline(s: TimelineSelector): Timeline;
  holders(q: string): HoldersResult;
}

export const FORMATS: ExportFormat[] = ['html', 'md', 'json', 'csv'];

/** The export as one string (what the app is handed); renderExportPieces writes one too big for a string. */
export function renderExport(src: ReportSource, req: ExportRequest, format: ExportFormat): string {
  try {
    return [...renderExportPieces(src, req, format)].join('');
  } catch (e) {
    if (e instanceof RangeError && /string length/i.test(e.message))
      throw new StoreError(
        'too-large',
        `this ${format} ${req.what} report is longer than one string can hold (about 512 MB of text): write it to a file with the command line (ckpt export ... -o FILE), which writes it in pieces`,
      );
    throw e;
  }
}

/**
 * The export in pieces, joined in order: JSON piece by piece (an image of a
 * million fds is ~450 MB of it), the documents whole (they list at most
 * MAX_ROWS rows).
 */
export function* renderExportPieces(src: ReportSource, req: ExportRequest, format: ExportFormat): Generator<string> {
  if (!FORMATS.includes(format))
    throw new StoreError('bad-argument', `unknown export format ${JSON.stringify(format)}; use ${FORMATS.join(', ')}`);
  let data: unknown;
  let doc: () => Doc;
  switch (req?.what) {
    case 'image': {
      const image = src.getImage(req.id);
      const snap = src.getSnapshot(image.id);
      const limits = imageLimits(snap);
      data = { image, snapshot: snapshotToJson(snap), limits };
      doc = () => imageDoc(image, snap, limits);
      break;
    }
    case 'diff': {
      const d = src.diff(req.a, req.b, req.options);
      data = d;
      doc = () => diffDoc(d);
      break;
    }
    case 'search': {
      const r = src.search(req.query, req.options);
      data = r;
      doc = () => searchDoc(r);
      break;
    }
    case 'timeline': {
      const t = src.timeline(req.selector);
      data = t;
      doc = () => timelineDoc(t);
      break;
    }
    case 'holders': {
      const h = src.holders(req.query);
      data = h;
      doc = () => holdersDoc(h);
      break;
    }
    default:
      throw new StoreError('bad-argument', 'export needs what: image, diff, search, holders or timeline');
  }
  if (format === 'json') {
    for (const piece of jsonPieces(data)) yield jsonEscaped(piece);
    yield '\n';
    return;
  }
  const d = doc();
  yield format === 'html' ? renderHtml(d) : format === 'md' ? renderMarkdown(d) : renderCsv(d);
}
