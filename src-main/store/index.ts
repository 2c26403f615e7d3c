/**
 * The image library: one SQLite database plus content-addressed image files
 * under a home directory shared by the CLI and the desktop app. This class
 * is the whole public API; the app and the CLI call nothing else in
 * src-main/store or src-main/query. Every method is synchronous (better-
 * sqlite3), returns JSON-able values from src-shared/store-types.ts, and
 * throws StoreError / QueryError for anything a caller can get wrong.
 */
import type {
  DiffOptions,
  DiffResult,
  ExportFormat,
  ExportRequest,
  ImageFilter,
  ImageSummary,
  ImportOptions,
  ImportProgress,
  ImportResult,
  SearchOptions,
  SearchResult,
  Timeline,
  TimelineSelector,
  VerifyReport,
} from '../../src-shared/store-types.js';
import type { Snapshot } from '../../src-shared/model/index.js';
import { StoreError } from './errors.js';

export { StoreError, QueryError } from './errors.js';
export { resolveHome, type HomeOptions } from './home.js';

export interface OpenOptions {
  /** Open without creating or migrating; fails with not-found when there is no library. */
  readonly?: boolean;
}

export class Store {
  private constructor(readonly home: string) {}

  /**
   * Opens (creating when needed) the library in `home`: runs pending schema
   * migrations, turns on WAL and foreign keys, and removes what an import
   * killed midway left behind (temporary files, image files no row names).
   */
  static open(home: string, opts: OpenOptions = {}): Store {
    void opts;
    return new Store(home);
  }

  /** Images matching the filter, newest capture first by default. */
  listImages(filter: ImageFilter = {}): ImageSummary[] {
    void filter;
    throw new StoreError('io', 'not implemented yet');
  }

  /** Number of images matching the filter (ignores limit/offset). */
  countImages(filter: ImageFilter = {}): number {
    void filter;
    throw new StoreError('io', 'not implemented yet');
  }

  /**
   * One image by full id or unique id prefix (at least 4 hex digits), or by
   * exact label when no id matches. not-found / ambiguous-id otherwise.
   */
  getImage(idOrPrefix: string): ImageSummary {
    void idOrPrefix;
    throw new StoreError('io', 'not implemented yet');
  }

  /** The decoded snapshot of an image (decodes the stored bytes; for show and reports). */
  getSnapshot(idOrPrefix: string): Snapshot {
    void idOrPrefix;
    throw new StoreError('io', 'not implemented yet');
  }

  /** Absolute path of the stored image file (read-only; do not modify it). */
  imagePath(idOrPrefix: string): string {
    void idOrPrefix;
    throw new StoreError('io', 'not implemented yet');
  }

  /**
   * Imports an image file: hashes, decodes (an undecodable file is refused
   * with bad-image and leaves nothing behind), stores the bytes under their
   * SHA-256 and indexes every task, fd table, fd and file in one transaction.
   * Importing bytes already present returns the existing image with
   * duplicate: true (options given then update label/tags/note).
   */
  importFile(path: string, opts: ImportOptions = {}, progress?: (p: ImportProgress) => void): ImportResult {
    void path;
    void opts;
    void progress;
    throw new StoreError('io', 'not implemented yet');
  }

  /** As importFile, from bytes in memory (an image just captured). */
  importBytes(bytes: Uint8Array, opts: ImportOptions = {}, progress?: (p: ImportProgress) => void): ImportResult {
    void bytes;
    void opts;
    void progress;
    throw new StoreError('io', 'not implemented yet');
  }

  /** Sets the label (any text up to 200 characters; "" clears it). Returns the updated image. */
  setLabel(idOrPrefix: string, label: string): ImageSummary {
    void idOrPrefix;
    void label;
    throw new StoreError('io', 'not implemented yet');
  }

  /** Replaces the tags (each 1-64 chars, no whitespace or commas; duplicates dropped). */
  setTags(idOrPrefix: string, tags: string[]): ImageSummary {
    void idOrPrefix;
    void tags;
    throw new StoreError('io', 'not implemented yet');
  }

  /** Sets the free-text note (up to 10,000 characters). */
  setNote(idOrPrefix: string, note: string): ImageSummary {
    void idOrPrefix;
    void note;
    throw new StoreError('io', 'not implemented yet');
  }

  /** Removes an image: all its index rows, then its bytes. Returns what was removed. */
  deleteImage(idOrPrefix: string): ImageSummary {
    void idOrPrefix;
    throw new StoreError('io', 'not implemented yet');
  }

  /** Runs a query (docs/search.md) across all images; QueryError names the offending token. */
  search(query: string, opts: SearchOptions = {}): SearchResult {
    void query;
    void opts;
    throw new StoreError('io', 'not implemented yet');
  }

  /** What changed from image A to image B (ids, prefixes or labels). */
  diff(a: string, b: string, opts: DiffOptions = {}): DiffResult {
    void a;
    void b;
    void opts;
    throw new StoreError('io', 'not implemented yet');
  }

  /** Fd counts over a series of images and the leak suspects among them. */
  timeline(selector: TimelineSelector): Timeline {
    void selector;
    throw new StoreError('io', 'not implemented yet');
  }

  /** Renders an image, diff, search or timeline as a self-contained document. */
  export(req: ExportRequest, format: ExportFormat): string {
    void req;
    void format;
    throw new StoreError('io', 'not implemented yet');
  }

  /**
   * Re-hashes every stored image, re-decodes it and compares the decoded
   * counts with the index rows; runs PRAGMA integrity_check. Never throws for
   * a bad image: it is reported in `problems`.
   */
  verifyAll(): VerifyReport {
    throw new StoreError('io', 'not implemented yet');
  }

  /** Closes the database; later calls fail with code 'closed'. */
  close(): void {}
}
