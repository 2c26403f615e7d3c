/** holdersOf: who holds a library file open, each named by its pid and its command line as the terminal may show it. */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { holdersOf } from '../../src-main/store/lock-holders.js';

const dir = mkdtempSync(join(tmpdir(), 'ckpt-holders-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('holdersOf', () => {
  it('names a holder by its arguments, each escaped: the text \\x00 in one is not a separator', async () => {
    const file = join(dir, 'library.db');
    writeFileSync(file, '');
    const child = spawn(
      process.execPath,
      // Short: holdersOf cuts a command line at 100 characters.
      ['-e', 'fs.openSync(process.argv[2]);console.log(1);setInterval(Date,1e5)', 'a\\x00\x1b', file],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((ok) => child.stdout!.once('data', () => ok()));
      const who = holdersOf(file).find((h) => h.startsWith(`pid ${child.pid} (`));
      expect(who).toBeDefined();
      expect(who).toContain(' a\\\\x00\\x1b ');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
