/**
 * An image report lists the deleted files still open with the disk each
 * holds (diskHeld, format 1.7): a sparse file's allocated blocks, not its
 * size; a file whose blocks the image does not record by its size, said to
 * be the apparent size; an older image's all by their size.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { simulate } from '../../src-main/sim/index.js';
import { Store } from '../../src-main/store/index.js';
import { tempHome, T0 } from '../store/helpers.js';

let store: Store;
let cleanup: () => void;
const ids = { now: '', v16: '' };

beforeAll(() => {
  const h = tempHome();
  cleanup = h.cleanup;
  store = Store.open(h.home);
  ids.now = store.importBytes(encodeSnapshot(simulate({ scenario: 'everything', time: T0 }))).image.id;
  ids.v16 = store.importBytes(readFileSync(join(__dirname, '..', 'fixtures', 'golden-everything-1.6.ckpt'))).image.id;
});
afterAll(() => {
  store.close();
  cleanup();
});

/** Markdown with its backslash escapes taken off, to read it as text. */
const md = (id: string) => store.export({ what: 'image', id }, 'md').replace(/\\(.)/g, '$1');
const rowsOf = (text: string) => {
  const at = text.indexOf('\n## Deleted files still open\n');
  expect(at).toBeGreaterThan(0);
  return text
    .slice(at)
    .split('\n')
    .filter((l) => l.startsWith('| `'));
};

describe("the image report's deleted files", () => {
  it('a sparse file by its allocated blocks, a file without them by its apparent size, and the sum says which', () => {
    const text = md(ids.now);
    expect(rowsOf(text)).toEqual([
      '| `/tmp/scratch.bin` | 4.0 KiB | apparent size (blocks not recorded) | 4.0 KiB | 6000:33 |',
      '| `/var/log/kitchen/sparse.log` | 4.0 KiB | allocated blocks | 50 GiB | 6000:36 |',
    ]);
    expect(text).toContain(
      '- **Deleted files still open**: 2 files, 8.0 KiB of disk not freed until they are closed (1 of 2 files by apparent size: the image records no allocated blocks for them)',
    );
    // The fd's target says it too, as show's does.
    expect(text).toContain('/var/log/kitchen/sparse.log (deleted, 4.0 KiB on disk, size 50 GiB)');
  });

  it('an image before 1.7: every file by its apparent size, said so', () => {
    const text = md(ids.v16);
    expect(rowsOf(text)).toEqual(['| `/tmp/scratch.bin` | 4.0 KiB | apparent size (blocks not recorded) | 4.0 KiB | 6000:33 |']);
    expect(text).toContain(
      '- **Deleted files still open**: 1 file, 4.0 KiB of disk not freed until they are closed (apparent size: the image records no allocated blocks)',
    );
  });
});
