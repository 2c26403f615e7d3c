/**
 * A map from positive integer refs to values. Sources hand out refs densely
 * (1, 2, 3 ...), so a plain array serves them, several times faster than a
 * Map with a million entries; a ref far beyond the dense range falls back to
 * a Map so a sparse or hostile numbering costs memory in proportion to use.
 */
export class RefMap<T> {
  private readonly dense: (T | undefined)[];
  private sparse: Map<number, T> | null = null;

  /** `denseLimit`: refs below it live in the array, which starts at `initial` slots. */
  constructor(
    private readonly denseLimit: number,
    initial = 0,
  ) {
    this.dense = new Array<T | undefined>(Math.min(initial, denseLimit)).fill(undefined);
  }

  get(ref: number): T | undefined {
    return ref < this.dense.length ? this.dense[ref] : this.sparse?.get(ref);
  }

  has(ref: number): boolean {
    return this.get(ref) !== undefined;
  }

  set(ref: number, v: T): void {
    if (ref < this.denseLimit && Number.isInteger(ref) && ref >= 0) {
      while (this.dense.length <= ref) this.dense.push(undefined);
      this.dense[ref] = v;
    } else {
      (this.sparse ??= new Map()).set(ref, v);
    }
  }
}
