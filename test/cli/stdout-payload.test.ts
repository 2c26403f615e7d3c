/**
 * A command whose stdout is its result (capture -o -, import -o -, export
 * -o -) fails when the reader of stdout closes it before the whole result
 * was written: the image was not delivered, so no success line and exit 1.
 * Text output keeps treating that as the reader hanging up (ckpt show | head
 * exits 0).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CKPT, ckpt } from './run.js';
import { haveCrit, writeDump } from '../criu/dump-fixture.js';

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'ckpt-stdout-payload-'));
  expect(ckpt(['capture', '--sim', 'leaky', '--store'], { env: { CKPT_HOME: home } }).code).toBe(0);
});

/**
 * Runs ckpt with stdout a pipe whose reader reads `keep` bytes (none: it
 * closes its end at once, as `| (exit 3)` does) and then closes it.
 */
function runClosing(args: string[], keep = 0): Promise<{ code: number | null; err: string; got: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CKPT, ...args], { env: { ...process.env, CKPT_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let got = 0;
    child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    if (keep === 0) child.stdout.destroy();
    else
      child.stdout.on('data', (b: Buffer) => {
        got += b.length;
        if (got >= keep) child.stdout.destroy();
      });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, err, got }));
  });
}

const CLOSED = 'the reader of standard output closed it before the whole image was written';

describe('the reader of stdout closes it before the result is written', () => {
  const large = ['capture', '--sim', 'large', '--processes', '50', '--fds', '100', '-o', '-'];

  it('capture -o -, reader gone at once: exit 1, says so, no success line', async () => {
    const r = await runClosing(large);
    expect(r.err).toBe(`ckpt capture: ${CLOSED}\n`);
    expect(r.code).toBe(1);
  });

  it('capture -o - | head -c 10: exit 1, says so, no success line', async () => {
    const r = await runClosing(large, 10);
    expect(r.err).not.toContain('captured');
    expect(r.err).toBe(`ckpt capture: ${CLOSED}\n`);
    expect(r.code).toBe(1);
  });

  it('capture -o - read whole still succeeds', () => {
    const r = ckpt(large);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^captured 51 tasks, .* into stdout \((\d+) bytes\)\n$/);
    expect(r.stdout.length).toBe(Number(/\((\d+) bytes\)/.exec(r.err)![1]));
  });

  it('export -o -: exit 1, says so', async () => {
    const r = await runClosing(['export', 'search', 'kind:regular', '-o', '-', '--format', 'json']);
    expect(r.err).toBe('ckpt export: the reader of standard output closed it before the whole report was written\n');
    expect(r.code).toBe(1);
  });

  it.skipIf(!haveCrit())('import -o -: exit 1, says so, no success line', async () => {
    const dump = join(mkdtempSync(join(tmpdir(), 'ckpt-stdout-dump-')), 'checkpoint');
    writeDump(dump);
    const r = await runClosing(['import', dump, '-o', '-']);
    expect(r.err).toBe(`ckpt import: ${CLOSED}\n`);
    expect(r.code).toBe(1);
  });

  it('text output (list) whose reader is gone still exits 0, as ckpt show | head does', async () => {
    const r = await runClosing(['list']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });
});
