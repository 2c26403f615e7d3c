/**
 * An image's rows commit before its file is renamed into place. A reader
 * that finds the row in between (the host while its import worker
 * publishes, another process) reads the fsync'd temporary copy.
 */
import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simBytes, withStore } from './helpers.js';

describe('reading an image while it is published', () => {
  it('reads the temporary copy between the commit and the rename, and fails plainly with neither', () =>
    withStore((s, home) => {
      const bytes = simBytes({ scenario: 'web-server' });
      const id = s.importBytes(bytes).image.id;
      const final = s.imagePath(id);
      // Back to the state between commit and publish: the row is there, the file still in tmp/.
      mkdirSync(join(home, 'tmp'), { recursive: true });
      const temp = join(home, 'tmp', `${basename(final)}.${process.pid + 1}.tmp`);
      renameSync(final, temp);
      expect(Buffer.compare(s.imageBytes(id), bytes)).toBe(0);
      // And so do show, export and verify, with the checksum checked.
      expect(Buffer.compare(s.getBytes(id), bytes)).toBe(0);
      expect(s.getSnapshot(id).tasks.length).toBeGreaterThan(0);
      expect(s.verifyAll().problems).toEqual([]);
      // Published: read from its place.
      renameSync(temp, final);
      expect(Buffer.compare(s.imageBytes(id), bytes)).toBe(0);
      expect(readdirSync(join(home, 'tmp'))).toEqual([]);
      // Gone from both: the error says so (ENOENT), no bytes made up.
      renameSync(final, `${final}.away`);
      expect(() => s.imageBytes(id)).toThrow(/ENOENT/);
    }));
});
