/** The parser's strictness, through the real CLI: stray words and options missing their values are usage errors. */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ckpt } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'ckpt-args-'));

describe('an option missing its value', () => {
  it('does not swallow the next option: --pid -o FILE is "--pid needs a value", nothing captured', () => {
    const out = join(dir, 'swallowed.ckpt');
    const r = ckpt(['capture', '--pid', '-o', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^ckpt capture: --pid needs a value, got the option -o\nusage: ckpt capture /);
    expect(existsSync(out)).toBe(false);
    // A long option, with or without =, is an option too.
    expect(ckpt(['capture', '--sim', '--store']).err).toContain('--sim needs a value, got the option --store');
    expect(ckpt(['capture', '--label', '--home=/tmp', '--sim', 'leaky', '--store']).err).toContain('--label needs a value');
    // At the end of the line, as before.
    expect(ckpt(['capture', '--sim']).err).toMatch(/--sim needs a value\n/);
  });

  it('still takes - and words that name no option as values', () => {
    const r = ckpt(['capture', '--sim', 'web-server', '-o', '-']);
    expect(r.code, r.err).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(100);
    // -5 is no option: it reaches --seed, which says what is wrong with it.
    const n = ckpt(['capture', '--sim', 'web-server', '--seed', '-5', '-o', join(dir, 'n.ckpt')]);
    expect(n.code).toBe(2);
    expect(n.err).toContain('--seed needs a non-negative integer, got "-5"');
  });
});
