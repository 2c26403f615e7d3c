/** What the query modules get from an open store. */
import type { DB } from './db.js';
import type { Interner } from './intern.js';
import type { ImageRow } from './images.js';

export interface LibraryContext {
  db: DB;
  strings: Interner;
  /** Kind attributes (JSON text) by attrs_id. */
  attrs: Interner;
  resolve(ref: string): ImageRow;
  /**
   * Every interned string as searchable text (raw bytes displayed escaped),
   * by id; refreshed on each call. `shown`: by index into `texts`, the
   * escaped form `ckpt show` prints of a valid text holding control or
   * bidi characters, which a query may name either way.
   */
  stringTable(): { ids: Int32Array | number[]; texts: string[]; shown: Map<number, string> };
  /** The image's distinct path ids, ascending (cached; `sha256` tells a reused image id from the one cached). */
  imagePaths(imageId: number, sha256: string): Int32Array;
}
