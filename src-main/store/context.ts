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
  /**
   * The image's (attrs id, table ref) pairs, ascending by attrs id
   * (attrset.ts; cached like imagePaths); null when the library does not
   * index them for this image (a read-only library older than schema 4):
   * read all its tables.
   */
  imageAttrs(imageId: number, sha256: string): Int32Array | null;
  /** Every inet and unix socket attrs row, parsed (cached; new rows are read on each call). */
  socketAttrs(): SocketAttrs;
}

/**
 * The socket rows of the attrs table, parsed once per open library (rows
 * are interned, so a busy server's thousand connections to one port are
 * still few rows): what port:, addr:, state: and a unix socket's name are
 * matched on. Parallel arrays by row.
 */
export interface SocketAttrs {
  inet: { ids: number[]; state: string[]; lport: number[]; rport: number[]; laddr: string[]; raddr: string[] };
  /** `name`: the bound name as `ckpt show` prints it (@ for abstract), '' when unnamed; `raw`: a valid name's own characters when they differ. */
  unix: { ids: number[]; state: string[]; name: string[]; raw: (string | null)[] };
}
