/**
 * Typed errors of the engine. A bad image is an ImageError naming the byte
 * offset and record index where reading stopped; a model the writer cannot
 * encode (a dangling ref, a value out of range) is a ModelError. Nothing in
 * the engine lets a RangeError or TypeError escape for bad input.
 */
export type ImageErrorCode =
  | 'not-an-image'
  | 'unsupported-version'
  | 'truncated'
  | 'bad-record'
  | 'bad-length'
  | 'bad-objref'
  | 'bad-structure'
  | 'bad-value'
  | 'checksum-mismatch'
  | 'trailing-data'
  | 'io';

export class ImageError extends Error {
  override readonly name = 'ImageError';
  constructor(
    readonly code: ImageErrorCode,
    readonly detail: string,
    readonly offset: number,
    readonly recordIndex: number,
    readonly recordType?: string,
  ) {
    const rec = recordIndex >= 0 ? ` (record #${recordIndex}${recordType ? ` ${recordType}` : ''})` : '';
    // A file that cannot be opened or is not an image has no byte to point at.
    super(recordIndex < 0 && (code === 'io' || code === 'not-an-image') ? detail : `${code} at byte ${offset}${rec}: ${detail}`);
  }
}

export class ModelError extends Error {
  override readonly name = 'ModelError';
}
