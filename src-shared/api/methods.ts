/**
 * The contract's method names as a plain list, without the schemas: the
 * Electron preload exposes one function per name and must stay small, so it
 * imports this and not zod. contract.ts checks at compile time that this
 * list and its METHODS table name the same methods.
 */
export const METHOD_LIST = [
  'app.info',
  'library.list',
  'library.import',
  'library.setLabel',
  'library.setTags',
  'library.setNote',
  'library.delete',
  'capture.scenarios',
  'capture.processes',
  'capture.run',
  'image.open',
  'image.limits',
  'image.task',
  'image.fds',
  'image.locate',
  'image.file',
  'image.holders',
  'image.records',
  'image.recordBytes',
  'image.close',
  'search.run',
  'search.holders',
  'diff.run',
  'diff.view',
  'timeline.get',
  'report.export',
  'report.save',
  'report.open',
] as const;

/** The longest search query any method takes (contract.ts bounds it; the Search view says so before asking). */
export const SEARCH_QUERY_MAX = 4000;

/**
 * The holders image.file names of an open file; the rest are counted
 * (FileDetail.holderCount) and paged with image.holders. A socket leaked by
 * 18,000 dup()s and a fork has 36,000: all of them were 3.4 MB of JSON and
 * as many list items for every fd selected.
 */
export const FILE_HOLDERS_FIRST = 50;

/**
 * The holders search.holders gives when no limit is asked (the Search view's
 * first page; the rest are paged with offset). A socket leaked by 18,000
 * dup()s and a fork has 36,000 holders: all of them were 11.7 MB of JSON.
 */
export const SEARCH_HOLDERS_FIRST = 1000;

/** The most tags an image may have (contract.ts bounds library.setTags; the Library view says so before asking). */
export const TAGS_MAX = 100;

/**
 * The longest tag. A tag is one word: no whitespace and no commas, which
 * separate tags in `ckpt tag` and in the Library view. The store, the
 * contract and the Library view all check this one rule.
 */
export const TAG_CHARS_MAX = 64;
export const TAG_RE = new RegExp(`^[^\\s,]{1,${TAG_CHARS_MAX}}$`);

/** The IPC channel of a method (Electron) and its path under /api/ (browser host). */
export const IPC_PREFIX = 'ckpt:';
export const EVENT_CHANNEL = 'ckpt:event';
