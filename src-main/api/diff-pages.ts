/**
 * The Diff view's rows (src-shared/api/diff-rows.ts) of a lazy diff, built a
 * process at a time as pages show them. Two unrelated 100,000-fd images
 * change every fd: the filter and the counts read each row's marks
 * (diff-row-facts.ts), and only the processes a page shows are built.
 */
import { CHANGE_IDS, TaskRows, rowFacts, type Change, type DiffRow, type FdRow, type RowFacts } from '../../src-shared/api/diff-rows.js';
import type { LazyDiff } from '../query/diff-result.js';
import type { FdRowFacts } from '../query/diff-row-facts.js';

/** Rows to filter and page: built already, or built when shown. */
export interface RowSource {
  length: number;
  facts: RowFacts;
  row(i: number): DiffRow;
}

/** Rows built already (the whole tables' rows). */
export function builtRows(rows: readonly DiffRow[]): RowSource {
  return { length: rows.length, facts: rowFacts(rows), row: (i) => rows[i]! };
}

export class DiffPages implements RowSource {
  readonly length: number;
  readonly counts: Record<Change, number>;
  readonly kinds: string[];
  readonly facts: RowFacts;
  // Per row, the changed process it belongs to (-1: a process appeared or
  // gone) and its place there (-1: the process's header; for a process
  // appeared or gone, its index in appeared then vanished).
  private readonly taskOf: Int32Array;
  private readonly slotOf: Int32Array;
  /** Each changed process's fd rows' marks, read through taskOf and slotOf. */
  private readonly marks: FdRowFacts[];
  private readonly make = new TaskRows();
  private readonly built = new Map<number, FdRow[]>();

  constructor(private readonly d: LazyDiff) {
    const facts = Array.from({ length: d.taskCount }, (_, k) => d.rowFacts(k));
    this.marks = facts;
    const processes = d.appeared.length + d.vanished.length;
    this.length = processes + facts.reduce((n, f) => n + 1 + f.bits.length, 0);
    this.taskOf = new Int32Array(this.length);
    this.slotOf = new Int32Array(this.length);
    const counts = Object.fromEntries(CHANGE_IDS.map((c) => [c, 0])) as Record<Change, number>;
    counts.appeared = d.appeared.length;
    counts.vanished = d.vanished.length;
    const kinds = new Set<string>();
    let i = 0;
    for (let p = 0; p < processes; p++, i++) {
      this.taskOf[i] = -1;
      this.slotOf[i] = p;
    }
    facts.forEach((f, k) => {
      this.taskOf[i] = k;
      this.slotOf[i++] = -1;
      for (let s = 0; s < f.bits.length; s++, i++) {
        this.taskOf[i] = k;
        this.slotOf[i] = s;
        for (let c = 0; c < CHANGE_IDS.length; c++) if (f.bits[s]! & (1 << c)) counts[CHANGE_IDS[c]!]++;
        kinds.add(f.kind[s]!);
        if (f.otherKind[s]) kinds.add(f.otherKind[s]!);
      }
    });
    this.counts = counts;
    this.kinds = [...kinds].sort();
    this.facts = {
      head: (r) =>
        this.slotOf[r]! < 0 ? 'task' : this.taskOf[r]! >= 0 ? null : this.slotOf[r]! < d.appeared.length ? 'appeared' : 'vanished',
      // Only asked of fd rows (head null): taskOf and slotOf are a process and a row of it.
      bits: (r) => facts[this.taskOf[r]!]!.bits[this.slotOf[r]!]!,
      hasKind: (r, k) => {
        const f = facts[this.taskOf[r]!]!;
        const s = this.slotOf[r]!;
        return f.kind[s] === k || f.otherKind[s] === k;
      },
    };
  }

  row(i: number): DiffRow {
    const k = this.taskOf[i]!;
    const s = this.slotOf[i]!;
    if (k < 0) return this.processRow(i);
    if (s < 0) return this.make.header(this.d.ends(k));
    let rows = this.built.get(k);
    if (!rows) {
      rows = this.make.fds(this.d.task(k));
      // The filter and the counts went by the facts: rows that disagree with them are a bug, not a page to show.
      if (rows.length !== this.marks[k]!.bits.length)
        throw new Error(`diff rows of process ${k}: ${rows.length} built, ${this.marks[k]!.bits.length} counted`);
      this.built.set(k, rows);
    }
    return rows[s]!;
  }

  private processRow(i: number): DiffRow & { type: 'process' } {
    const p = this.slotOf[i]!;
    const d = this.d;
    return p < d.appeared.length
      ? { type: 'process', change: 'appeared', task: d.appeared[p]! }
      : { type: 'process', change: 'vanished', task: d.vanished[p - d.appeared.length]! };
  }
}
