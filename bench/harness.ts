/**
 * What a benchmark module gets: a log, and a place to record each figure
 * with its target so the run ends with one table of measured vs target.
 */
export interface Figure {
  bench: string;
  name: string;
  value: number;
  unit: string;
  /** Human-readable target, e.g. ">= 1000000" or "< 50"; met says whether value satisfies it. */
  target?: string;
  met?: boolean;
}

export interface BenchContext {
  log(line: string): void;
  record(f: Omit<Figure, 'bench'>): void;
  /** Scratch directory for this run (removed afterwards unless CKPT_BENCH_KEEP is set). */
  tmp: string;
  /** Smaller sizes for a quick run (CKPT_BENCH_QUICK=1). */
  quick: boolean;
}

export interface BenchModule {
  name: string;
  run(ctx: BenchContext): Promise<void>;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
