/**
 * What moved in a file whose kind attributes changed while its kind and name
 * stayed (F_STATE): a timerfd's ticks, an eventfd's count, a socket's queue
 * or TCP state, a log's allocated blocks. Said as the attributes that
 * differ, `ticks 0` -> `ticks 1`, not as a new target: the fd still holds
 * the same file as far as the images can tell.
 */
import type { AttrRecord, AttrValue } from '../../src-shared/model/index.js';
import { bytesToHex, displayBStr } from '../../src-shared/model/index.js';

function valueText(v: AttrValue | undefined): string {
  if (v === undefined) return '(none)';
  if (Array.isArray(v)) return `${v.length} ${v.length === 1 ? 'entry' : 'entries'}`;
  // A name (a unix socket bound meanwhile) is shown as every name is: escaped, its bytes as \xNN.
  if (typeof v === 'string' || v instanceof Uint8Array) return displayBStr(v);
  return String(v);
}

function same(a: AttrValue | undefined, b: AttrValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, k) => x === b[k]);
  // A u64 decodes as a number or a bigint by its size: the same value either way.
  const num = (v: AttrValue) => typeof v === 'number' || typeof v === 'bigint';
  if (num(a) && num(b)) return String(a) === String(b);
  if (Array.isArray(a) && Array.isArray(b)) return JSON.stringify(a, big) === JSON.stringify(b, big);
  return false;
}

const big = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? bytesToHex(v) : v);

/**
 * Whether attribute `k` is recorded in `r`: present, and, for a field an
 * `${k}Known` flag qualifies (blocks, backlog), with that flag true. An image
 * older than the field (a 1.6 image has no allocated blocks, no unix
 * backlog) or a capture that could not read it says nothing of it.
 */
function recorded(r: AttrRecord | null, k: string): boolean {
  if (!r || r[k] === undefined) return false;
  if (k.endsWith('Known')) return r[k] === true;
  return !(`${k}Known` in r) || r[`${k}Known`] === true;
}

/** The attributes both sides record whose values differ: a field one image does not know (an older format's, a stat that gave none) is no change of state. */
export function movedAttrs(a: AttrRecord | null, b: AttrRecord | null): string[] {
  const out: string[] = [];
  for (const k of new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]))
    if (recorded(a, k) && recorded(b, k) && !same(a![k], b![k])) out.push(k);
  return out;
}

/** The attributes that moved (movedAttrs), each side as "name value, name value". */
export function stateChange(a: AttrRecord | null, b: AttrRecord | null): { before: string; after: string } {
  const keys = movedAttrs(a, b);
  return {
    before: keys.map((k) => `${k} ${valueText(a![k])}`).join(', '),
    after: keys.map((k) => `${k} ${valueText(b![k])}`).join(', '),
  };
}
