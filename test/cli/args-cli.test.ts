/** The parser's strictness, through the real CLI: stray words and options missing their values are usage errors. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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

describe('stray arguments', () => {
  it('capture --pid 111 222 is a usage error naming 222, with the comma hint; nothing captured', () => {
    const out = join(dir, 'stray.ckpt');
    const r = ckpt(['capture', '--pid', String(process.pid), '222', '-o', out]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`ckpt capture: capture takes no arguments, got "222"; pids are comma-separated: --pid ${process.pid},222`);
    expect(existsSync(out)).toBe(false);
    const u = ckpt(['capture', '--user', 'root', 'daemon', '-o', out]);
    expect(u.code).toBe(2);
    expect(u.err).toContain('got "daemon"; users are comma-separated: --user root,daemon');
    // Not after a list option: named, no hint.
    const s = ckpt(['capture', 'web-server', '--sim', 'web-server', '-o', out]);
    expect(s.code).toBe(2);
    expect(s.err).toMatch(/capture takes no arguments, got "web-server"\n/);
    expect(ckpt(['capture', '--sim', 'web-server', '-o', out, '--', 'x']).err).toContain('capture takes no arguments, got "x"');
    // After a flag, the word was no value of the list option before it: named, no hint.
    expect(ckpt(['capture', '--pid', String(process.pid), '--store', '222', '-o', out]).err).toMatch(
      /capture takes no arguments, got "222"\n/,
    );
    // A word that could not be one of them (a forgotten -o): named, no hint.
    expect(ckpt(['capture', '--pid', String(process.pid), 'out.ckpt']).err).toMatch(/capture takes no arguments, got "out\.ckpt"\n/);
    // A negated query term as its own word is a term where the command takes words, not an unknown option.
    const home = join(dir, 'neg-home');
    expect(ckpt(['capture', '--sim', 'everything', '--store', '--home', home]).code).toBe(0);
    const neg = ckpt(['search', 'socket:[', '-kind:unix', '--home', home]);
    expect(neg.code, neg.err).toBe(0);
    expect(neg.out).toMatch(/^\d+ hits in 1 image for path:socket:\[ -kind:unix-socket$/m);
    expect(ckpt(['search', '-path:/proc', '--json', '--home', home]).code).toBe(0);
    // A word with no : / or . is still an option, and an unknown one is refused.
    expect(ckpt(['search', 'x', '-l', '5', '--home', home]).err).toContain('unknown option -l');
    // Help asked for is given, stray words or not.
    const help = ckpt(['list', '--help', 'extra']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('usage: ckpt list');
    expect(existsSync(out)).toBe(false);
  });

  it('every command that takes none says so the same way', () => {
    for (const c of ['list', 'serve']) {
      const r = ckpt([c, 'extra']);
      expect(r.code, c).toBe(2);
      expect(r.err).toContain(`ckpt ${c}: ${c} takes no arguments, got "extra"`);
    }
  });
});

describe('--home before the command', () => {
  it("is the command's --home, as README says every command takes it", () => {
    const home = mkdtempSync(join(tmpdir(), 'ckpt-home-first-'));
    try {
      expect(ckpt(['capture', '--sim', 'pipeline', '--store', '--label', 'first', '--home', home]).code).toBe(0);
      for (const args of [
        ['--home', home, 'list'],
        [`--home=${home}`, 'list'],
      ]) {
        const r = ckpt(args);
        expect(r.err).toBe('');
        expect(r.out).toContain('first');
      }
      // Without a command after it: the usual unknown-command message.
      expect(ckpt(['--home', home]).code).toBe(2);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
