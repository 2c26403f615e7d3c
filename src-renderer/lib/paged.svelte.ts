/**
 * A long list fetched a page at a time as it scrolls into view: the fd table
 * of a process with 100,000 fds, or an image's records. Rows not yet fetched
 * read as undefined and render as placeholders until their page arrives.
 */
import type { Page } from '../../src-shared/api/results.js';

export class Paged<T> {
  total = $state(0);
  loaded = $state(false);
  error = $state<string | null>(null);
  /**
   * A later page came with another total than the first: the list changed
   * under it (a search's holders after the library changed). Such pages are
   * not mixed in; whoever shows the list says so and asks again.
   */
  stale = $state(false);
  private version = $state(0);
  private readonly pages = new Map<number, T[]>();
  private readonly pending = new Set<number>();
  private dead = false;

  constructor(
    private readonly fetchPage: (offset: number, limit: number) => Promise<Page<T>>,
    private readonly size = 400,
  ) {}

  async init(): Promise<void> {
    const p = await this.fetchPage(0, this.size);
    this.pages.set(0, p.rows);
    this.total = p.total;
    this.loaded = true;
    this.version++;
  }

  get(i: number): T | undefined {
    void this.version;
    const p = Math.floor(i / this.size);
    const page = this.pages.get(p);
    if (!page) {
      this.load(p);
      return undefined;
    }
    return page[i - p * this.size];
  }

  /** Every row fetched so far (reactive: pages arriving update it), for sizing columns to what they hold. */
  loadedRows(): T[] {
    void this.version;
    return [...this.pages.values()].flat();
  }

  /** The row at i, fetching its page when needed. */
  async fetch(i: number): Promise<T | undefined> {
    const p = Math.floor(i / this.size);
    if (!this.pages.has(p)) {
      const r = await this.fetchPage(p * this.size, this.size);
      if (!this.fits(r)) return undefined;
      this.pages.set(p, r.rows);
      this.version++;
    }
    return this.pages.get(p)?.[i - p * this.size];
  }

  private fits(r: Page<T>): boolean {
    if (r.total === this.total) return true;
    this.stale = true;
    return false;
  }

  dispose(): void {
    this.dead = true;
  }

  private load(p: number): void {
    if (this.pending.has(p) || this.dead) return;
    this.pending.add(p);
    this.fetchPage(p * this.size, this.size).then(
      (r) => {
        this.pending.delete(p);
        if (this.dead || !this.fits(r)) return;
        this.pages.set(p, r.rows);
        this.version++;
      },
      (e: unknown) => {
        this.pending.delete(p);
        this.error = e instanceof Error ? e.message : String(e);
      },
    );
  }
}
