/**
 * The reader against hostile bytes: truncated, bit-flipped, spliced and
 * structurally edited images, many with their checksum repaired so the
 * damage reaches the structural checks. Every outcome must be a decoded
 * image (which then re-encodes) or an ImageError; anything else, or a
 * decode slower than the bound, fails with the iteration to replay it.
 * CKPT_FUZZ_ITERATIONS scales the run (CI runs the default 100,000).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeImage, scanRecords } from '../../src-main/engine/reader.js';
import { bufferSource } from '../../src-main/engine/record-scanner.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { ImageError } from '../../src-main/engine/errors.js';
import { Rng } from '../../src-main/sim/builder.js';
import { simulate } from '../../src-main/sim/index.js';

const ITERATIONS = Number(process.env.CKPT_FUZZ_ITERATIONS ?? 100_000);
const PER_IMAGE_BOUND_MS = 2000;
const TAIL_SPAN = 48;

const seeds = [
  simulate({ scenario: 'pipeline', time: 0 }),
  simulate({ scenario: 'threads', time: 0 }),
  simulate({ scenario: 'everything', time: 0 }),
  simulate({ scenario: 'leaky', step: 2, time: 0 }),
  simulate({ scenario: 'web-server', time: 0 }),
].map((s) => encodeSnapshot(s));

/** Record boundaries by the framing alone, for structural edits. */
function frames(b: Buffer): { off: number; span: number }[] {
  const out: { off: number; span: number }[] = [];
  let off = 0;
  while (off + 8 <= b.length) {
    const len = b.readUInt32LE(off + 4);
    const span = (len + 7) & ~7;
    if (len < 8 || off + span > b.length) break;
    out.push({ off, span });
    off += span;
  }
  return out;
}

/** Makes the tail agree with the bytes before it again (count and SHA-256). */
function repairTail(b: Buffer, countDelta = 0): Buffer {
  if (b.length < TAIL_SPAN) return b;
  const t = b.length - TAIL_SPAN;
  if (b.readUInt32LE(t) !== 9001) return b;
  const out = Buffer.from(b);
  out.writeUInt32LE(out.readUInt32LE(t + 8) + countDelta, t + 8);
  createHash('sha256')
    .update(out.subarray(0, t))
    .digest()
    .copy(out, t + 16);
  return out;
}

type Mutator = (r: Rng, b: Buffer) => Buffer;
const mutators: [string, Mutator][] = [
  ['truncate', (r, b) => b.subarray(0, r.int(0, b.length - 1))],
  [
    'bitflip',
    (r, b) => {
      const o = Buffer.from(b);
      for (let i = r.int(1, 4); i > 0; i--) o[r.int(0, o.length - 1)]! ^= 1 << r.int(0, 7);
      return o;
    },
  ],
  [
    'bitflip+repair',
    (r, b) => {
      const o = Buffer.from(b);
      for (let i = r.int(1, 3); i > 0; i--) o[r.int(0, o.length - TAIL_SPAN - 1)]! ^= 1 << r.int(0, 7);
      return repairTail(o);
    },
  ],
  [
    'u32+repair',
    (r, b) => {
      const o = Buffer.from(b);
      const at = r.int(0, (o.length - TAIL_SPAN) / 4 - 1) * 4;
      o.writeUInt32LE(r.pick([0, 1, 2, 7, 8, 0x7fffffff, 0x80000000, 0xffffffff, r.int(0, 0xffffffff)]), at);
      return repairTail(o);
    },
  ],
  [
    'length+repair',
    (r, b) => {
      const o = Buffer.from(b);
      const fs = frames(o).slice(0, -1);
      const f = r.pick(fs);
      const len = o.readUInt32LE(f.off + 4);
      o.writeUInt32LE(r.pick([0, 7, 8, len - 1, len + 1, len + 8, 0xffffffff, 33554432, r.int(0, 1 << 20)]) >>> 0, f.off + 4);
      return repairTail(o);
    },
  ],
  [
    'splice',
    (r, b) => {
      const other = r.pick(seeds);
      return Buffer.concat([b.subarray(0, r.int(0, b.length)), other.subarray(r.int(0, other.length))]);
    },
  ],
  [
    'duplicate-record+repair',
    (r, b) => {
      const fs = frames(b).slice(1, -1);
      const f = r.pick(fs);
      const at = r.pick(fs).off;
      return repairTail(Buffer.concat([b.subarray(0, at), b.subarray(f.off, f.off + f.span), b.subarray(at)]), 1);
    },
  ],
  [
    'drop-record+repair',
    (r, b) => {
      const f = r.pick(frames(b).slice(1, -1));
      return repairTail(Buffer.concat([b.subarray(0, f.off), b.subarray(f.off + f.span)]), -1);
    },
  ],
  [
    'swap-records+repair',
    (r, b) => {
      const fs = frames(b).slice(1, -1);
      const i = r.int(0, fs.length - 2);
      const a = fs[i]!;
      const c = fs[i + 1]!;
      return repairTail(
        Buffer.concat([
          b.subarray(0, a.off),
          b.subarray(c.off, c.off + c.span),
          b.subarray(a.off, a.off + a.span),
          b.subarray(c.off + c.span),
        ]),
      );
    },
  ],
  ['garbage', (r) => Buffer.from(Array.from({ length: r.int(0, 600) }, () => r.int(0, 255)))],
];

describe('reader fuzzing', () => {
  it(`survives ${ITERATIONS} damaged images with a decoded image or a typed error`, () => {
    const rng = new Rng(Number(process.env.CKPT_FUZZ_SEED ?? 20261127));
    const outcomes = new Map<string, number>();
    let slowest = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const [name, mutate] = mutators[i % mutators.length]!;
      const input = mutate(rng, rng.pick(seeds));
      const t0 = performance.now();
      let outcome: string;
      try {
        const d = decodeImage(input);
        // Whatever the reader accepts, the writer must be able to write back.
        const again = decodeImage(encodeSnapshot(d));
        expect(again.tasks.length).toBe(d.tasks.length);
        outcome = 'decoded';
      } catch (e) {
        if (!(e instanceof ImageError)) {
          throw new Error(
            `iteration ${i} (${name}): ${(e as Error)?.stack ?? String(e)}\ninput hex: ${input.toString('hex').slice(0, 400)}`,
          );
        }
        expect(e.offset).toBeGreaterThanOrEqual(0);
        expect(e.offset).toBeLessThanOrEqual(input.length);
        outcome = e.code;
      }
      try {
        scanRecords(bufferSource(input), () => {});
      } catch (e) {
        if (!(e instanceof ImageError)) throw new Error(`iteration ${i} (${name}) scanRecords: ${String(e)}`);
      }
      const ms = performance.now() - t0;
      slowest = Math.max(slowest, ms);
      if (ms > PER_IMAGE_BOUND_MS) throw new Error(`iteration ${i} (${name}) took ${ms.toFixed(0)} ms`);
      const key = `${name}: ${outcome}`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    console.log(
      `fuzz: ${ITERATIONS} images, slowest ${slowest.toFixed(1)} ms\n${[...outcomes]
        .sort()
        .map(([k, v]) => `  ${k} ${v}`)
        .join('\n')}`,
    );
    // The repairs must let damage through to the structural checks, not stop at the checksum.
    const structural = [...outcomes]
      .filter(([k]) => k.includes('+repair') && !k.endsWith('checksum-mismatch'))
      .reduce((n, [, v]) => n + v, 0);
    expect(structural).toBeGreaterThan(ITERATIONS / 5);
  }, 600_000);
});
