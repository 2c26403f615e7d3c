import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonPieces } from '../../src-main/report/json-pieces.js';
import { readImageFile } from '../../src-main/engine/reader.js';
import { snapshotToJson } from '../../src-shared/model/index.js';

const same = (v: unknown) => expect([...jsonPieces(v)].join('')).toBe(JSON.stringify(v, null, 1));

describe('jsonPieces', () => {
  it('writes what JSON.stringify(v, null, 1) writes', () => {
    same({ a: 1, b: 'x\n"y"\u2028', c: [1, [2, [3, { d: [] }]], {}], e: undefined, f: () => 1, g: null, h: [undefined, () => 1] });
    same([]);
    same({});
    same([{}, [], [[]], { x: { y: { z: [1, 2] } } }]);
    same('text');
    same(12.5);
    same(null);
    same({ '10': 'int-like keys first', b: 1, '2': 2 });
    same({ when: new Date(0), nested: { when: new Date(1) } });
  });

  it('of a whole image, in one piece per element of its big arrays', () => {
    const snap = readImageFile(join(__dirname, '..', 'fixtures', 'golden-everything.ckpt'));
    const j = snapshotToJson(snap);
    const pieces = [...jsonPieces(j)];
    expect(pieces.join('')).toBe(JSON.stringify(j, null, 1));
    expect(pieces.length).toBeGreaterThan(snap.files.length);
  });
});

describe('jsonPieces, what a caller may hand it', () => {
  it('a value with toJSON (a LazyDiff) is written as its toJSON, in pieces, deep arrays too', () => {
    const holders = Array.from({ length: 1000 }, (_, i) => ({ pid: 200, fd: i }));
    const lazy = { toJSON: () => ({ tasks: [{ sharingStarted: Array.from({ length: 300 }, (_, fd) => ({ fd, with: holders })) }] }) };
    const pieces = [...jsonPieces(lazy)];
    expect(pieces.join('')).toBe(JSON.stringify(lazy, null, 1));
    // No piece holds a whole sharing list (~53,000 characters), let alone the diff: runs of 256 holders.
    expect(pieces.reduce((m, p) => Math.max(m, p.length), 0)).toBeLessThan(20_000);
  });

  it('toJSON gets its key; boxed values and toJSON returning undefined as JSON.stringify writes them', () => {
    const keyed = { a: { toJSON: (k: string) => `key ${k}` }, b: [{ toJSON: (k: string) => k }], c: { toJSON: () => undefined } };
    same(keyed);
    same({ n: new Number(3), s: new String('x'), t: new Boolean(true), list: [new Number(1)] });
    same([{ toJSON: () => undefined }]);
  });
});
