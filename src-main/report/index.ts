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
import { json } from './escape.js';
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

export function renderExport(src: ReportSource, req: ExportRequest, format: ExportFormat): string {
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
  if (format === 'json') return json(data) + '\n';
  const d = doc();
  return format === 'html' ? renderHtml(d) : format === 'md' ? renderMarkdown(d) : renderCsv(d);
}
