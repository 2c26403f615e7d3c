/**
 * A diff as runDiff leaves it: what changed is decided and counted, but each
 * changed fd is kept as pack indexes and a mask of its changed fields, not as
 * objects. Two unrelated 100,000-fd images change every fd; built whole,
 * their details are ~66 MB of objects, and copying those through the
 * garbage collector was most of the diff's time. The details (`tasks`) are
 * built the first time they are read, a process at a time through `task()`
 * for callers that show only some (the Diff view's pages, the CLI's first
 * lines), and read no database: the strings are read by the diff.
 */
import type {
  DiffField,
  DiffMatching,
  DiffResult,
  DiffSummary,
  DiffTask,
  FdChange,
  FieldChange,
  ImageSummary,
  LimitChange,
  SharingChange,
  TableChange,
  TaskDiff,
  U64Json,
} from '../../src-shared/store-types.js';
import { P, PACK_FIELDS, joinU64 } from '../store/fdpack.js';
import { F_CLOEXEC, F_DELETED, F_FLAGS, F_KIND, F_POS, F_STATE, F_TARGET, type PairChanges } from './diff-changes.js';
import type { Holder } from './diff-load.js';
import { stateChange } from './diff-state.js';
import type { FdNames } from './diff-fd.js';
import { fdRowFacts, type FdRowFacts } from './diff-row-facts.js';

/** Everything but the details. */
export type DiffParts = Omit<DiffResult, 'tasks'>;

/** How far a position moved, from pack offsets `oa` and `ob`; a bigint only where a position is past 2^53. */
function posDeltaOf(pa: Int32Array, oa: number, pb: Int32Array, ob: number): U64Json {
  const a = joinU64(pa[oa + P.posHi]!, pa[oa + P.posLo]!);
  const b = joinU64(pb[ob + P.posHi]!, pb[ob + P.posLo]!);
  if (typeof a === 'number' && typeof b === 'number') return b - a;
  const d = BigInt(b) - BigInt(a);
  return d >= -BigInt(Number.MAX_SAFE_INTEGER) && d <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(d) : d.toString();
}

const yesNo = (b: boolean) => (b ? 'yes' : 'no');

export class LazyDiff implements DiffResult {
  readonly a: ImageSummary;
  readonly b: ImageSummary;
  readonly matching: DiffMatching;
  readonly summary: DiffSummary;
  readonly appeared: DiffTask[];
  readonly vanished: DiffTask[];
  readonly tables: TableChange[];
  readonly limits: LimitChange[];
  readonly elapsedMs: number;
  private readonly built: (TaskDiff | undefined)[];
  private all: TaskDiff[] | null = null;
  // A kind, flags, cloexec or deleted change takes few distinct values: one
  // frozen object for each, shared by every fd that made it.
  private readonly commonChanges = new Map<string, FieldChange>();

  constructor(
    parts: DiffParts,
    /** Only processes with a change, by pid in A. */
    private readonly pairs: readonly PairChanges[],
    private readonly packA: Int32Array,
    private readonly packB: Int32Array,
    private readonly names: FdNames,
  ) {
    this.a = parts.a;
    this.b = parts.b;
    this.matching = parts.matching;
    this.summary = parts.summary;
    this.appeared = parts.appeared;
    this.vanished = parts.vanished;
    this.tables = parts.tables;
    this.limits = parts.limits;
    this.elapsedMs = parts.elapsedMs;
    this.built = new Array<TaskDiff | undefined>(pairs.length);
  }

  /** How many processes changed: `tasks.length`, without building them. */
  get taskCount(): number {
    return this.pairs.length;
  }

  /** The `k`th changed process's fd-level changes, as `tasks[k]`. */
  task(k: number): TaskDiff {
    return (this.built[k] ??= this.build(this.pairs[k]!));
  }

  /** The `k`th changed process before and after, without its fd changes. */
  ends(k: number): Pick<TaskDiff, 'before' | 'after'> {
    return this.pairs[k]!;
  }

  /** The `k`th changed process's fd rows as the Diff view's filter reads them, without building them. */
  rowFacts(k: number): FdRowFacts {
    return fdRowFacts(this.pairs[k]!, this.packA, this.packB);
  }

  fdChanges(k: number): number {
    const p = this.pairs[k]!;
    return p.opened.length + p.closed.length + p.changed.length / 3 + p.sharingStarted.length + p.sharingEnded.length;
  }

  get tasks(): TaskDiff[] {
    return (this.all ??= this.pairs.map((_, k) => this.task(k)));
  }

  /** The plain DiffResult (JSON, the API, structured clone: a getter on the prototype would not be copied). */
  toJSON(): DiffResult {
    return {
      a: this.a,
      b: this.b,
      matching: this.matching,
      summary: this.summary,
      appeared: this.appeared,
      vanished: this.vanished,
      tasks: this.tasks,
      tables: this.tables,
      limits: this.limits,
      elapsedMs: this.elapsedMs,
    };
  }

  private common(field: DiffField, before: string, after: string): FieldChange {
    const key = `${field}\0${before}\0${after}`;
    let c = this.commonChanges.get(key);
    if (!c) this.commonChanges.set(key, (c = Object.freeze({ field, before, after }) as FieldChange));
    return c;
  }

  private build(p: PairChanges): TaskDiff {
    const { packA, packB, names } = this;
    const opened = p.opened.map((j) => names.fd(packB, j));
    const closed = p.closed.map((i) => names.fd(packA, i));
    const changed: FdChange[] = [];
    const c = p.changed;
    const scratch: FieldChange[] = [];
    for (let k = 0; k < c.length; k += 3) {
      const i = c[k]!;
      const j = c[k + 1]!;
      const m = c[k + 2]!;
      const before = names.fd(packA, i);
      const after = names.fd(packB, j);
      const changes = scratch;
      if (m & F_KIND) changes.push(this.common('kind', before.kind, after.kind));
      if (m & F_TARGET)
        changes.push(
          before.target !== after.target
            ? { field: 'target', before: before.target, after: after.target }
            : {
                field: 'target',
                before: `${before.target} (${JSON.stringify(before.path)})`,
                after: `${after.target} (${JSON.stringify(after.path)})`,
              },
        );
      if (m & F_STATE) changes.push({ field: 'state', ...stateChange(names.stateAttrs(packA, i), names.stateAttrs(packB, j)) });
      if (m & F_FLAGS) changes.push(this.common('flags', before.flagNames, after.flagNames));
      let posDelta: U64Json | undefined;
      if (m & F_POS) {
        changes.push({ field: 'pos', before: String(before.pos), after: String(after.pos) });
        posDelta = posDeltaOf(packA, i * PACK_FIELDS, packB, j * PACK_FIELDS);
      }
      if (m & F_CLOEXEC) changes.push(this.common('cloexec', yesNo(before.cloexec), yesNo(after.cloexec)));
      if (m & F_DELETED) changes.push(this.common('deleted', yesNo(before.deleted), yesNo(after.deleted)));
      // Copied at its size: a list grown by push keeps room for 16, and
      // every changed fd of two unrelated images keeps its list.
      const kept = changes.slice();
      scratch.length = 0;
      changed.push(
        posDelta === undefined
          ? { fd: before.fd, before, after, changes: kept }
          : { fd: before.fd, before, after, changes: kept, posDelta },
      );
    }
    const sharing = (pack: Int32Array, at: number, w: Holder[]): SharingChange => {
      const f = names.fd(pack, at);
      return {
        fd: f.fd,
        target: f.target,
        kind: f.kind,
        flagNames: f.flagNames,
        pos: f.pos,
        cloexec: f.cloexec,
        with: w,
      };
    };
    return {
      before: p.before,
      after: p.after,
      matchedBy: this.matching,
      opened,
      closed,
      changed,
      sharingStarted: p.sharingStarted.map((s) => sharing(packB, s.at, s.with)),
      sharingEnded: p.sharingEnded.map((s) => sharing(packA, s.at, s.with)),
    };
  }
}

/** A diff's changed processes one at a time, and how many fd changes each has: a LazyDiff builds only the ones read. */
export interface TaskList {
  count: number;
  at(k: number): TaskDiff;
  /** opened + closed + changed + sharing changes of the `k`th, without building it. */
  fdChanges(k: number): number;
}

export function taskList(d: DiffResult): TaskList {
  if (d instanceof LazyDiff) return { count: d.taskCount, at: (k) => d.task(k), fdChanges: (k) => d.fdChanges(k) };
  const t = d.tasks;
  return {
    count: t.length,
    at: (k) => t[k]!,
    fdChanges: (k) =>
      t[k]!.opened.length + t[k]!.closed.length + t[k]!.changed.length + t[k]!.sharingStarted.length + t[k]!.sharingEnded.length,
  };
}
