/**
 * Two snapshots are the same capture when everything but the ref numbers is
 * equal and one renaming of refs maps every reference of one onto the other:
 * that is what the writer's object hash is allowed to change.
 */
import { expect } from 'vitest';
import type { AttrRecord, Snapshot } from '../../src-shared/model/index.js';

class Renaming {
  private readonly fwd = new Map<string, number>();
  private readonly back = new Map<string, number>();
  pair(space: string, a: number, b: number): void {
    if (a === 0 || b === 0) {
      expect(a === 0 && b === 0, `${space} ref ${a} vs ${b}: null only pairs with null`).toBe(true);
      return;
    }
    const fa = this.fwd.get(space + a);
    const fb = this.back.get(space + b);
    expect(fa ?? b, `${space} ref ${a} maps to one ref`).toBe(b);
    expect(fb ?? a, `${space} ref ${b} comes from one ref`).toBe(a);
    this.fwd.set(space + a, b);
    this.back.set(space + b, a);
  }
  get(space: string, a: number): number | undefined {
    return this.fwd.get(space + a);
  }
}

function stripRefs(attrs: AttrRecord, ren: Renaming, fileRefFields: Set<string>, other?: AttrRecord): AttrRecord {
  const out: AttrRecord = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (Array.isArray(v)) {
      out[k] = v.map((item, i) => stripRefs(item, ren, fileRefFields, (other?.[k] as AttrRecord[] | undefined)?.[i]));
    } else if (fileRefFields.has(k) && typeof v === 'number') {
      if (other) ren.pair('file', v, other[k] as number);
      out[k] = 0;
    } else out[k] = v;
  }
  return out;
}

export function expectSameCapture(model: Snapshot, decoded: Snapshot): void {
  const ren = new Renaming();
  expect(decoded.header).toEqual(model.header);
  expect(decoded.errors).toEqual(model.errors);
  expect(decoded.tasks.length).toBe(model.tasks.length);
  expect(decoded.fdTables.length).toBe(model.fdTables.length);
  expect(decoded.files.length).toBe(model.files.length);
  model.tasks.forEach((t, i) => {
    const d = decoded.tasks[i]!;
    expect({ ...d, fdTable: 0 }).toEqual({ ...t, fdTable: 0 });
    ren.pair('table', t.fdTable, d.fdTable);
  });
  const dTables = new Map(decoded.fdTables.map((t) => [t.ref, t]));
  const dFiles = new Map(decoded.files.map((f) => [f.ref, f]));
  for (const t of model.fdTables) {
    // Tables no task uses are still written; pair them in order of appearance.
    let dref = ren.get('table', t.ref);
    if (dref === undefined) {
      const unpaired = decoded.fdTables.find((x) => ![...model.fdTables].some((m) => ren.get('table', m.ref) === x.ref));
      dref = unpaired!.ref;
      ren.pair('table', t.ref, dref);
    }
    const d = dTables.get(dref)!;
    expect(d.sharingInferred).toBe(t.sharingInferred);
    expect(d.fds.map((x) => [x.fd, x.cloexec])).toEqual(t.fds.map((x) => [x.fd, x.cloexec]));
    t.fds.forEach((x, i) => ren.pair('file', x.file, d.fds[i]!.file));
  }
  const refFields = new Set(['file']);
  const modelFiles = new Map(model.files.map((f) => [f.ref, f]));
  // Files only other files reference (epoll targets) get paired through attrs, in a fixpoint.
  for (let round = 0; round < model.files.length + 1; round++) {
    for (const f of model.files) {
      const dref = ren.get('file', f.ref);
      if (dref !== undefined) stripRefs(f.attrs, ren, refFields, dFiles.get(dref)!.attrs);
    }
  }
  const paired = new Set(model.files.filter((f) => ren.get('file', f.ref) !== undefined).map((f) => f.ref));
  const unpairedModel = model.files.filter((f) => !paired.has(f.ref));
  const pairedDecoded = new Set([...paired].map((r) => ren.get('file', r)));
  const unpairedDecoded = decoded.files.filter((f) => !pairedDecoded.has(f.ref));
  expect(unpairedDecoded.length).toBe(unpairedModel.length);
  unpairedModel.forEach((f, i) => ren.pair('file', f.ref, unpairedDecoded[i]!.ref));
  for (const [ref, f] of modelFiles) {
    const d = dFiles.get(ren.get('file', ref)!)!;
    const { ref: _a, attrs: fa, ...restModel } = f;
    const { ref: _b, attrs: da, ...restDecoded } = d;
    expect(restDecoded).toEqual(restModel);
    expect(stripRefs(da, new Renaming(), refFields)).toEqual(stripRefs(fa, ren, refFields, da));
  }
}
