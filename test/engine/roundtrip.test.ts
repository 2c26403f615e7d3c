import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { decodeImage, scanRecords } from '../../src-main/engine/reader.js';
import { bufferSource } from '../../src-main/engine/record-scanner.js';
import { RT } from '../../src-main/engine/format.js';
import { ModelError } from '../../src-main/engine/errors.js';
import { snapshot } from './arbitrary.js';
import { expectSameCapture } from './equivalence.js';
import { simulate } from '../../src-main/sim/index.js';

describe('model -> image -> model', () => {
  it('is the identity up to ref renaming, for arbitrary snapshots', () => {
    fc.assert(
      fc.property(snapshot(), (snap) => {
        const decoded = decodeImage(encodeSnapshot(snap));
        expectSameCapture(snap, decoded);
      }),
      { numRuns: 400 },
    );
  });

  it('re-encoding a decoded image gives the same bytes', () => {
    fc.assert(
      fc.property(snapshot(), (snap) => {
        const a = encodeSnapshot(snap);
        const b = encodeSnapshot(decodeImage(a));
        expect(Buffer.compare(a, b)).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('writes every object before the first record that references it', () => {
    fc.assert(
      fc.property(snapshot(), (snap) => {
        const bytes = encodeSnapshot(snap);
        const defined = new Set<number>();
        scanRecords(bufferSource(bytes), (r, s) => {
          if (r.type === RT.FILE || r.type === RT.FILE_TABLE) {
            expect(defined.has(r.objref)).toBe(false);
            defined.add(r.objref);
          } else if ((r.type === RT.FILE_DESC || r.type === RT.TASK_OBJS) && r.objref !== 0) {
            expect(defined.has(r.objref), `record #${r.index} references objref ${r.objref}`).toBe(true);
          }
          void s;
        });
      }),
      { numRuns: 200 },
    );
  });

  it('keeps exact bytes of names that are not UTF-8 and 64-bit values above 2^53', () => {
    const snap = simulate({ scenario: 'everything', time: 0 });
    const d = decodeImage(encodeSnapshot(snap));
    const hostile = d.files.find((f) => f.path instanceof Uint8Array)!;
    expect(Buffer.from(hostile.path as Uint8Array).includes(Buffer.from([0xff, 0xfe]))).toBe(true);
    expect(Buffer.from(hostile.path as Uint8Array).toString('latin1')).toContain('\n<script>');
    const huge = d.files.find((f) => f.path === '/var/lib/huge.img')!;
    expect(huge.ino).toBe(2n ** 63n + 5n);
    expect(huge.pos).toBe(2n ** 60n + 7n);
  });
});

describe('the writer refuses models it cannot encode', () => {
  const base = () => simulate({ scenario: 'pipeline', time: 0 });
  it('a dangling file ref', () => {
    const s = base();
    s.fdTables[0]!.fds[0]!.file = 999_999;
    expect(() => encodeSnapshot(s)).toThrow(ModelError);
    expect(() => encodeSnapshot(s)).toThrow(/999999/);
  });
  it('a dangling table ref', () => {
    const s = base();
    s.tasks[0]!.fdTable = 424242;
    expect(() => encodeSnapshot(s)).toThrow(/fd table 424242/);
  });
  it('an unknown kind', () => {
    const s = base();
    s.files[0]!.kind = 'teleporter';
    expect(() => encodeSnapshot(s)).toThrow(/teleporter/);
  });
  it('a value out of range', () => {
    const s = base();
    s.files[0]!.pos = -1;
    expect(() => encodeSnapshot(s)).toThrow(ModelError);
    s.files[0]!.pos = 2n ** 64n;
    expect(() => encodeSnapshot(s)).toThrow(ModelError);
  });
  it('a string with a lone surrogate', () => {
    const s = base();
    s.tasks[0]!.comm = 'bad\ud800';
    expect(() => encodeSnapshot(s)).toThrow(/surrogate/);
  });
  it('an epoll cycle', () => {
    const s = simulate({ scenario: 'everything', time: 0 });
    const ep = s.files.find((f) => f.kind === 'epoll')!;
    const w = (ep.attrs.watches as { file: number }[])[0]!;
    w.file = ep.ref;
    expect(() => encodeSnapshot(s)).toThrow(/cycle/);
  });
});
