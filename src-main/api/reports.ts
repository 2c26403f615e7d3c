/**
 * Built reports, kept by id so the UI can save or open one after seeing it
 * without building it again: the last few, within a byte budget, since a
 * report of a 100,000-fd image is tens of megabytes.
 */
import { randomBytes } from 'node:crypto';
import type { ReportFormat } from '../../src-shared/api/results.js';

export interface BuiltReport {
  id: string;
  format: ReportFormat;
  name: string;
  mime: string;
  bytes: Uint8Array;
  /** Where report.save put it, so report.open opens that file. */
  savedPath?: string;
}

export const MIME: Record<ReportFormat, string> = {
  html: 'text/html; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  pdf: 'application/pdf',
};

const KEEP = 8;
const BUDGET = 256 * 1024 * 1024;

export class ReportCache {
  private readonly reports = new Map<string, BuiltReport>();

  add(format: ReportFormat, name: string, bytes: Uint8Array): BuiltReport {
    const r: BuiltReport = { id: randomBytes(16).toString('hex'), format, name, mime: MIME[format], bytes };
    this.reports.set(r.id, r);
    let total = 0;
    for (const x of this.reports.values()) total += x.bytes.length;
    for (const [k, x] of this.reports) {
      if (this.reports.size <= 1 || (this.reports.size <= KEEP && total <= BUDGET)) break;
      total -= x.bytes.length;
      this.reports.delete(k);
    }
    return r;
  }

  get(id: string): BuiltReport | undefined {
    return this.reports.get(id);
  }
}
