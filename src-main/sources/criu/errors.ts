/**
 * The one error of the CRIU source: a dump that cannot be read (a missing,
 * truncated or corrupt image file, an archive that is not one), naming the
 * file and, where there is one, the byte offset in it.
 */
export class CriuError extends Error {
  override readonly name = 'CriuError';
  constructor(
    /** The image file (or archive) concerned, as the user would find it. */
    readonly file: string,
    /** Byte offset in `file`, or -1 when none applies (a missing file). */
    readonly offset: number,
    readonly detail: string,
  ) {
    super(offset >= 0 ? `${file}: at byte ${offset}: ${detail}` : `${file}: ${detail}`);
  }
}
