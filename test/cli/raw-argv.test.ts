/**
 * Arguments holding bytes that are not UTF-8 (a file named $'x\xff'): Node
 * hands them to ckpt as U+FFFD. They are recovered from /proc/self/cmdline,
 * so a file is opened by its own name and a query looks for the right name,
 * and an output path ckpt cannot keep exact is refused, never replaced.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CKPT } from './run.js';
import { argBytes, exactArgv } from '../../src-main/cli/raw-argv.js';
import { parseQuery } from '../../src-main/query/parse.js';
import { displayBStr } from '../../src-shared/model/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ckpt-rawarg-'));
const home = join(dir, 'home');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** ckpt through sh, so that $1.. reach it as the bytes printf made (octal escapes). */
function ckptRaw(script: string, ...printfArgs: string[]) {
  const sets = printfArgs.map((a, i) => `a${i}=$(printf '${a}')`).join('; ');
  const r = spawnSync('sh', ['-c', sets ? `${sets}; ${script}` : script], {
    env: { ...process.env, CKPT_HOME: home, CKPT: CKPT, NODE: process.execPath },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8') };
}

const bad = (name: string) => Buffer.concat([Buffer.from(dir + '/'), Buffer.from(name, 'latin1')]);

describe('arguments that are not UTF-8', () => {
  it('exactArgv takes each from the command line as its bytes, in the escaped form queries use', () => {
    const cmdline = join(dir, 'cmdline');
    // The last argument is text that holds U+FFFD itself (valid UTF-8): kept.
    writeFileSync(
      cmdline,
      Buffer.concat([Buffer.from('node\0/x/ckpt.mjs\0search\0bad', 'latin1'), Buffer.from([0xff, 0]), Buffer.from('ok \uFFFD\0')]),
    );
    const out = exactArgv(['search', 'bad\uFFFD', 'ok \uFFFD'], cmdline);
    expect(out).toEqual(['search', 'bad\\xff', 'ok \uFFFD']);
    expect(argBytes('bad\\xff')).toEqual(Buffer.from([0x62, 0x61, 0x64, 0xff]));
    // Inside a query's quotes, where a backslash escapes: written so that the query reads \xff.
    const quoted = join(dir, 'cmdline-quoted');
    writeFileSync(
      quoted,
      Buffer.concat([
        Buffer.from('node\0/x/ckpt.mjs\0search\0path:"my log'),
        Buffer.from([0xff]),
        Buffer.from('" x'),
        Buffer.from([0xfe, 0]),
      ]),
    );
    expect(exactArgv(['search', 'path:"my log\uFFFD" x\uFFFD'], quoted)).toEqual(['search', 'path:"my log\\\\xff" x\\xfe']);
    // Such a name is matched in its displayed form only: a control character, a backslash, an invisible
    // character in it are written as displayBStr shows them, in quotes with the backslash doubled; spaces
    // and the quotes themselves are the query's syntax, as typed.
    const hostile = join(dir, 'cmdline-hostile');
    writeFileSync(
      hostile,
      Buffer.concat([
        Buffer.from('node\0/x/ckpt.mjs\0search\0app\x1b\\\u200b'),
        Buffer.from([0xff]),
        Buffer.from(' path:"a b\x1b'),
        Buffer.from([0xfe]),
        Buffer.from('"\0'),
      ]),
    );
    const [, q] = exactArgv(['search', 'app\x1b\\\u200b\uFFFD path:"a b\x1b\uFFFD"'], hostile);
    expect(q).toBe('app\\x1b\\\\\\u200b\\xff path:"a b\\\\x1b\\\\xfe"');
    expect(parseQuery(q!).terms.map((t) => (t.term as { values: string[] }).values[0])).toEqual([
      displayBStr(Buffer.from([...Buffer.from('app\x1b\\\u200b'), 0xff])),
      displayBStr(Buffer.from([...Buffer.from('a b\x1b'), 0xfe])),
    ]);
    // A command line that does not match argv (another process's file): left alone.
    expect(exactArgv(['search', 'other\uFFFD'], cmdline)).toEqual(['search', 'other\uFFFD']);
  });

  it('capture -o NAME refuses the name, exit 2, and writes no file under it or another', () => {
    const r = ckptRaw(`"$NODE" "$CKPT" capture --sim web-server -o "${dir}/$a0"`, 'out\\377.ckpt');
    expect(r.code, r.err).toBe(2);
    expect(r.err).toContain(`-o ${dir}/out\\xff.ckpt: the name holds bytes that are not UTF-8`);
    expect(readdirSync(dir).filter((f) => f.startsWith('out'))).toEqual([]);
  });

  it('show, verify and import open an image file by its own name, and name it escaped', () => {
    const made = spawnSync(process.execPath, [CKPT, 'capture', '--sim', 'web-server', '-o', '-'], { maxBuffer: 1 << 26 });
    expect(made.status).toBe(0);
    writeFileSync(bad('img\xff.ckpt'), made.stdout);
    const v = ckptRaw(`"$NODE" "$CKPT" verify "${dir}/$a0"`, 'img\\377.ckpt');
    expect(v.code, v.err).toBe(0);
    expect(v.out).toMatch(new RegExp(`^${dir}/img\\\\xff\\.ckpt: ok, format `));
    const s = ckptRaw(`"$NODE" "$CKPT" show "${dir}/$a0"`, 'img\\377.ckpt');
    expect(s.code, s.err).toBe(0);
    expect(s.out).toMatch(/^image format /);
    const i = ckptRaw(`"$NODE" "$CKPT" import "${dir}/$a0"`, 'img\\377.ckpt');
    expect(i.code, i.err).toBe(0);
    expect(i.out + i.err).toContain(`(${dir}/img\\xff.ckpt,`);
    const missing = ckptRaw(`"$NODE" "$CKPT" verify "${dir}/$a0"`, 'none\\376.ckpt');
    expect(missing.code).toBe(1);
    expect(missing.err).toBe(`ckpt verify: cannot open ${dir}/none\\xfe.ckpt: ENOENT (no such file)\n`);
  });

  it('export search and holders take such a query as a query, not as a file to open', () => {
    expect(ckptRaw(`"$NODE" "$CKPT" capture --sim web-server --store`).code).toBe(0);
    for (const what of ['search', 'holders']) {
      const r = ckptRaw(`"$NODE" "$CKPT" export ${what} "$a0" --format md -o -`, 'log\\377');
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain('log\\xff');
    }
  });

  it('a search query holding such a byte finds the fd whose name has it', async () => {
    const held = bad('held\xfe.log');
    writeFileSync(held, 'x');
    const p = spawn('sh', ['-c', `exec 7<"$(printf '${dir}/held\\376.log')"; exec sleep 60`], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const c = ckptRaw(`"$NODE" "$CKPT" capture --pid ${p.pid} --store`);
      expect(c.code, c.err).toBe(0);
      const s = ckptRaw(`"$NODE" "$CKPT" search "$a0"`, 'held\\376');
      expect(s.code, s.err).toBe(0);
      expect(s.out).toMatch(/^1 hit in 1 image for path:held\\xfe$/m);
      expect(s.out).toContain(`${dir}/held\\xfe.log`);
      // In quotes too (a path with a space needs them).
      const q = ckptRaw(`"$NODE" "$CKPT" search "path:\\"$a0\\""`, 'held\\376');
      expect(q.code, q.err).toBe(0);
      expect(q.out).toMatch(/^1 hit in 1 image for path:/m);
    } finally {
      p.kill('SIGKILL');
    }
    expect(existsSync(held)).toBe(true);
  });
});
