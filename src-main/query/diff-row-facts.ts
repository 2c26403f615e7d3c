/**
 * What the Diff view's filter and counts read of a changed process's fd rows
 * (src-shared/api/diff-rows.ts), from the lazy diff's indexes: each row's
 * kinds of change and kinds of file, in the order TaskRows lays the rows
 * out, without building them. The view builds a process's rows only when a
 * page shows one of them.
 */
import { FIELD_CHANGE, changeBit } from '../../src-shared/api/diff-rows.js';
import { P, PACK_FIELDS } from '../store/fdpack.js';
import { kindName } from './rows.js';
import { F_CLOEXEC, F_DELETED, F_FLAGS, F_KIND, F_POS, F_STATE, F_TARGET, type PairChanges } from './diff-changes.js';

export interface FdRowFacts {
  /** Kinds of change of each row, as changeBit bits. */
  bits: number[];
  /** Each row's kind of file, and its other kind where before and after differ ('' where not). */
  kind: string[];
  otherKind: string[];
}

const OPENED = changeBit('opened');
const CLOSED = changeBit('closed');
const SHARED = changeBit('shared');
const UNSHARED = changeBit('unshared');
// Each changed field's kind of change as the built rows mark it (FIELD_CHANGE), so the two cannot disagree.
const FIELD_BITS: [number, number][] = (
  [
    [F_KIND, 'kind'],
    [F_TARGET, 'target'],
    [F_STATE, 'state'],
    [F_FLAGS, 'flags'],
    [F_POS, 'pos'],
    [F_CLOEXEC, 'cloexec'],
    [F_DELETED, 'deleted'],
  ] as const
).map(([mask, field]) => [mask, changeBit(FIELD_CHANGE[field]!)]);

export function fdRowFacts(p: PairChanges, packA: Int32Array, packB: Int32Array): FdRowFacts {
  const order: number[] = [];
  const bits: number[] = [];
  const kind: string[] = [];
  const otherKind: string[] = [];
  const fdOf = (pack: Int32Array, i: number) => pack[i * PACK_FIELDS + P.fd]!;
  const kindOf = (pack: Int32Array, i: number) => kindName(pack[i * PACK_FIELDS + P.kind]!);
  // Ordered as TaskRows orders them: by fd, a closed fd (no after side) before the one opened in its place.
  const add = (fd: number, hasAfter: boolean, b: number, k: string, other: string) => {
    order.push(fd * 2 + (hasAfter ? 1 : 0));
    bits.push(b);
    kind.push(k);
    otherKind.push(other);
  };
  for (const j of p.opened) add(fdOf(packB, j), true, OPENED, kindOf(packB, j), '');
  for (const i of p.closed) add(fdOf(packA, i), false, CLOSED, kindOf(packA, i), '');
  const changedAt = new Map<number, number>();
  const c = p.changed;
  for (let k = 0; k < c.length; k += 3) {
    const m = c[k + 2]!;
    let b = 0;
    for (const [fields, bit] of FIELD_BITS) if (m & fields) b |= bit;
    const ka = kindOf(packA, c[k]!);
    const kb = kindOf(packB, c[k + 1]!);
    const fd = fdOf(packA, c[k]!);
    if (p.sharingStarted.length + p.sharingEnded.length) changedAt.set(fd, bits.length);
    add(fd, true, b, ka, kb === ka ? '' : kb);
  }
  // Sharing lands on the fd's changed row, or is a row of its own.
  const sharing = (list: PairChanges['sharingStarted'], pack: Int32Array, bit: number) => {
    for (const s of list) {
      const fd = fdOf(pack, s.at);
      const row = changedAt.get(fd);
      if (row !== undefined) bits[row]! |= bit;
      else add(fd, true, bit, kindOf(pack, s.at), '');
    }
  };
  sharing(p.sharingStarted, packB, SHARED);
  sharing(p.sharingEnded, packA, UNSHARED);
  // Each list comes in fd order: a process whose fds only changed (two unrelated images) needs no sort.
  let sorted = true;
  for (let k = 1; k < order.length && sorted; k++) sorted = order[k - 1]! < order[k]!;
  if (sorted) return { bits, kind, otherKind };
  const idx = order.map((_, k) => k).sort((x, y) => order[x]! - order[y]!);
  return { bits: idx.map((k) => bits[k]!), kind: idx.map((k) => kind[k]!), otherKind: idx.map((k) => otherKind[k]!) };
}
