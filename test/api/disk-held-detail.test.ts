/** The Inspector's "Allocated on disk" row (FileDetail.diskHeld): a regular file's allocated blocks, or that none are recorded. */
import { describe, expect, it } from 'vitest';
import { O, type AttrRecord } from '../../src-shared/model/index.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { newBuilder } from '../../src-main/sim/scenarios.js';
import { stdNull } from '../../src-main/sim/common.js';
import { OpenedImage } from '../../src-main/api/opened-image.js';
import type { ImageSummary } from '../../src-shared/store-types.js';
import { simHeader, T0 } from '../store/helpers.js';

describe('FileDetail.diskHeld', () => {
  it('counts its blocks in words that take their number, and says where none are recorded', () => {
    const b = newBuilder('held', 1);
    const p = b.process({ pid: 100, ppid: 1, comm: 'svc', cmdline: ['svc'] });
    stdNull(p);
    const open = (path: string, attrs: AttrRecord, at: number) =>
      p.open('regular', { path, ino: at, mode: 0o100644, dev: 8, size: 100, flags: O.O_RDONLY, attrs }, { at });
    open('/one', { blocksKnown: true, blocks: 1 }, 3);
    open('/eight', { blocksKnown: true, blocks: 8 }, 4);
    open('/unknown', {}, 5);
    const snap = b.snapshot(simHeader(T0));
    const img = new OpenedImage({ id: 'x' } as ImageSummary, Buffer.from(encodeSnapshot(snap)));
    const text = (path: string) => img.file(snap.files.find((f) => f.path === path)!.ref).diskHeld?.text;
    expect(text('/one')).toBe('512 B (1 block of 512 bytes)');
    expect(text('/eight')).toBe('4.0 KiB (8 blocks of 512 bytes)');
    expect(text('/unknown')).toBe('not recorded: the size, 100 B, is the apparent size');
  });
});
