/**
 * The app's capture by user and by process name, through the API handlers
 * as either host serves them: real processes with names of the test's
 * choosing (one not UTF-8, one run as nobody), the view's count of them
 * from the process list (the same comm matcher the capture uses), names
 * looked up in /etc/passwd, and the arguments refused with a message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend, type Backend } from '../../src-main/api/handlers.js';
import type { CaptureResult, ImageOverview, ProcessList } from '../../src-shared/api/results.js';
import {
  commAsPattern,
  commMatches,
  commPattern,
  commProblem,
  passwdUids,
  resolveUsers,
  splitCommList,
} from '../../src-shared/model/proc-select.js';
import { covered, fieldText, listedUids, listItems } from '../../src-renderer/lib/select.js';
import { start, type Running } from '../proc/fixture.js';
import { dispatcher, leaders } from './dispatch.js';

/** Comms unlikely to be anyone else's. */
const TAG = `a${process.pid % 100000}`;
const hex = (b: Buffer) => b.toString('hex');
const asRoot = process.getuid?.() === 0;

let home: string;
let backend: Backend;
let accented: Running; // TAG + "ë" (UTF-8)
let plain: Running; // TAG + "e"
let binary: Running; // TAG + 0xff 0xfe: not UTF-8
let nobody: Running | undefined; // TAG + "n", run as nobody (only root may start it)

const { call, fail } = dispatcher(() => backend, { asJson: true });

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'ckpt-api-usercomm-'));
  backend = createBackend({ home, host: 'browser', emit: () => undefined, log: () => undefined });
  accented = await start('named', [hex(Buffer.from(`${TAG}ë`))]);
  plain = await start('named', [hex(Buffer.from(`${TAG}e`))]);
  binary = await start('named', [hex(Buffer.concat([Buffer.from(TAG), Buffer.from([0xff, 0xfe])]))]);
  if (asRoot) nobody = await start('named', [hex(Buffer.from(`${TAG}n`))], { uid: 65534, gid: 65534 });
});

afterAll(async () => {
  for (const r of [accented, plain, binary, nobody]) await r?.stop();
  await backend?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

const sorted = (...r: (Running | undefined)[]) =>
  r
    .filter((x): x is Running => x !== undefined)
    .map((x) => x.pid)
    .sort((a, b) => a - b);
const capture = async (args: object) => {
  const r = await call<CaptureResult>('capture.run', { source: 'proc', ...args });
  return call<ImageOverview>('image.open', { id: r.image.id });
};
const me = process.getuid?.() ?? 0;
const myName = [...passwdUids(readFileSync('/etc/passwd', 'utf8'))].find(([, uid]) => uid === me)?.[0];

describe('capture.run by comm', () => {
  it('NAME* takes every process whose comm starts with NAME, one that is not UTF-8 too; the header records the patterns', async () => {
    const ov = await capture({ comm: [`${TAG}*`], label: 'by comm' });
    expect(leaders(ov)).toEqual(sorted(accented, plain, binary, nobody));
    expect(ov.header.options.comm).toBe(`${TAG}*`);
    expect(ov.header.options.pids).toBeUndefined();
  });

  it('a whole NAME takes that comm byte for byte; a prefix is whole characters', async () => {
    expect(leaders(await capture({ comm: [`${TAG}ë`] }))).toEqual([accented.pid]);
    // The first byte of ë is no prefix of it on its own: "e*" is not "ë".
    expect(leaders(await capture({ comm: [`${TAG}e*`] }))).toEqual([plain.pid]);
    expect(leaders(await capture({ comm: [`${TAG}e`, `${TAG}ë`], freeze: true }))).toEqual(sorted(accented, plain));
  });

  it('a comm nothing has is a capture-error naming it, escaped', async () => {
    const e = await fail('capture.run', { source: 'proc', comm: [`${TAG}\u202e`] });
    expect(e).toMatchObject({ code: 'capture-error', message: `no process to capture: none has comm ${TAG}\\u202e` });
  });

  it('with a cgroup, the processes in both', async () => {
    expect(leaders(await capture({ cgroup: '/', comm: [`${TAG}e`] }))).toEqual([plain.pid]);
    const e = await fail('capture.run', { source: 'proc', cgroup: '/no-such-ckpt-cgroup', comm: [`${TAG}*`] });
    expect(e.message).toContain(`none is in cgroup /no-such-ckpt-cgroup and has comm ${TAG}*`);
  });
});

describe('capture.run by user', () => {
  it('a name from /etc/passwd or a uid takes the processes of that real uid; the header records uids', async () => {
    if (!myName) throw new Error(`uid ${me} has no name in /etc/passwd`);
    const ov = await capture({ user: [myName], comm: [`${TAG}*`] });
    expect(leaders(ov)).toEqual(sorted(accented, plain, binary));
    expect(ov.header.options.user).toBe(String(me));
    // A uid as a number or as digits, the same.
    expect(leaders(await capture({ user: [me], comm: [`${TAG}e`] }))).toEqual([plain.pid]);
    expect(leaders(await capture({ user: [String(me)], comm: [`${TAG}e`] }))).toEqual([plain.pid]);
  });

  it.skipIf(!asRoot)("another user's processes, and two users at once", async () => {
    const ov = await capture({ user: ['nobody'], comm: [`${TAG}*`] });
    expect(leaders(ov)).toEqual([nobody!.pid]);
    expect(ov.header.options).toMatchObject({ user: '65534', comm: `${TAG}*` });
    const both = await capture({ user: ['nobody', 0, 'root'], comm: [`${TAG}*`] });
    expect(leaders(both)).toEqual(sorted(accented, plain, binary, nobody));
    // Each uid once, in the order given.
    expect(both.header.options.user).toBe('65534,0');
  });

  it('a name /etc/passwd does not know is a bad-argument naming it, and nothing is captured', async () => {
    const before = (await call<{ images: unknown[] }>('library.list', {})).images.length;
    const e = await fail('capture.run', { source: 'proc', user: ['root', 'no-such-ckpt-user'], comm: [`${TAG}*`] });
    expect(e).toMatchObject({ code: 'bad-argument', message: 'capture.run: user: no such user "no-such-ckpt-user" (not in /etc/passwd)' });
    // Shown escaped, as every name is.
    const odd = await fail('capture.run', { source: 'proc', user: ['x\u202ey'] });
    expect(odd.message).toContain('no such user "x\\u202ey"');
    expect((await call<{ images: unknown[] }>('library.list', {})).images.length).toBe(before);
  });
});

describe('the view counts what a user or comm choice covers, with the capture own matcher', () => {
  it('the listed comms, bytes that are not UTF-8 included, match as the capture matches them', async () => {
    const list = await call<ProcessList>('capture.processes', {});
    const count = (comm: string[]) => [...covered(list.processes, { comm }, list.selfPid)].sort((a, b) => a - b);
    expect(count([`${TAG}*`])).toEqual(sorted(accented, plain, binary, nobody));
    expect(count([`${TAG}e*`])).toEqual([plain.pid]);
    expect(count([`${TAG}ë`, `${TAG}e`])).toEqual(sorted(accented, plain));
    expect(count([TAG])).toEqual([]);
    const listed = (r: Running) => list.processes.find((p) => p.pid === r.pid)!;
    // The name field starts from the process's own name; one not UTF-8 cannot be typed, and shows escaped.
    expect(listed(accented).comm).toBe(`${TAG}ë`);
    expect(fieldText(listed(accented).comm)).toBe(`${TAG}ë`);
    // The list carries a comm that is not UTF-8 as its bytes, shown escaped.
    expect(listed(binary).comm).toEqual({
      text: `${TAG}\\xff\\xfe`,
      hex: hex(Buffer.concat([Buffer.from(TAG), Buffer.from([0xff, 0xfe])])),
    });
    expect(fieldText(listed(binary).comm)).toBe(`${TAG}\\xff\\xfe`);
    expect(count([fieldText(listed(binary).comm)])).toEqual([]);
  });

  it('users by listed name or uid; a name no listed process has is set apart', async () => {
    const list = await call<ProcessList>('capture.processes', {});
    const mine = list.processes.find((p) => p.pid === plain.pid)!;
    expect(mine.uid).toBe(me);
    const byName = covered(list.processes, { user: [mine.user] }, list.selfPid);
    expect(byName.has(plain.pid)).toBe(true);
    expect(byName.has(list.selfPid)).toBe(false);
    if (nobody) expect(byName.has(nobody.pid)).toBe(false);
    expect(covered(list.processes, { user: [String(me)] }, list.selfPid)).toEqual(byName);
    expect(listedUids(list.processes, [mine.user, 'no-such-ckpt-user'])).toEqual({ uids: [me], unknown: ['no-such-ckpt-user'] });
    if (nobody) expect(covered(list.processes, { user: ['nobody'] }, list.selfPid).has(nobody.pid)).toBe(true);
  });
});

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('the shared pieces', () => {
  it('comm patterns, passwd names and typed lists', () => {
    expect(commMatches(Buffer.from('nginx'), [commPattern('nginx')])).toBe(true);
    expect(commMatches(Buffer.from('nginx: worker'), [commPattern('nginx')])).toBe(false);
    expect(commMatches(Buffer.from('nginx: worker'), [commPattern('nginx*')])).toBe(true);
    expect(commMatches(Buffer.from('ngin'), [commPattern('nginx*')])).toBe(false);
    expect(commMatches(Buffer.from('anything'), [commPattern('*')])).toBe(true);
    expect(commProblem('')).toBe('an empty name');
    expect(commProblem('a'.repeat(15))).toBeNull();
    expect(commProblem(`${'a'.repeat(15)}*`)).toBeNull();
    expect(commProblem('a'.repeat(16))).toBe(
      `"${'a'.repeat(16)}" is longer than a comm can be (15 bytes); use a prefix: "${'a'.repeat(15)}*"`,
    );
    // Cut at a whole character: 14 bytes then ë would be 16.
    expect(commProblem(`${'a'.repeat(14)}ë`)).toContain(`use a prefix: "${'a'.repeat(14)}*"`);
    const names = passwdUids(
      'root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\nalice:x:1001:1001::/:/bin/sh\nbad:x:zz:0::/:\n',
    );
    expect([...names]).toEqual([
      ['root', 0],
      ['alice', 1000],
    ]);
    expect(resolveUsers(['alice', 7, '0', 'alice'], () => names)).toEqual({ uids: [1000, 7, 0] });
    expect(resolveUsers(['bob'], () => names)).toEqual({ unknown: 'bob' });
    expect(listItems(' nginx* , ,php-fpm ')).toEqual(['nginx*', 'php-fpm']);
    // A backslash takes the next character as it is: a comma, a star, a blank, itself.
    expect(splitCommList(' nginx* , ,php-fpm ')).toEqual(['nginx*', 'php-fpm']);
    expect(splitCommList('a\\,b,c\\\\,d\\ ')).toEqual(['a\\,b', 'c\\\\', 'd\\ ']);
    expect(commPattern('a\\,b')).toEqual({ bytes: utf8('a,b'), prefix: false });
    expect(commPattern('x\\*')).toEqual({ bytes: utf8('x*'), prefix: false });
    expect(commPattern('x\\**')).toEqual({ bytes: utf8('x*'), prefix: true });
    expect(commPattern('c\\\\')).toEqual({ bytes: utf8('c\\'), prefix: false });
    expect(commProblem('c\\')).toMatch(/^"c\\\\" ends in a lone backslash/);
    expect(commProblem('c\\\\')).toBeNull();
    // A star only at the end: search's globs are not comm patterns.
    expect(commProblem('py*3')).toBe('"py*3": a * only at the end (NAME* for names that start with NAME); \\* for a star in a name');
    expect(commProblem('*thon*')).toMatch(/a \* only at the end/);
    expect(commProblem('py\\*3')).toBeNull();
    // A comm as a pattern for exactly it, back through the list and the pattern.
    for (const comm of ['a,b*', ' lead', 'trail ', 'back\\slash', 'plain', '*'])
      expect(splitCommList(`${commAsPattern(comm)},other`).map((p) => Buffer.from(commPattern(p).bytes).toString())).toEqual([
        comm,
        'other',
      ]);
    expect(fieldText(null)).toBe('');
  });
});

describe('capture.run by user and comm: what the contract refuses', () => {
  const cases: [object, RegExp][] = [
    [{ pids: [1], user: ['root'] }, /pids: select by pids or by cgroup\/ns\/user\/comm, not both/],
    [{ pids: [1], comm: ['sh'] }, /pids: select by pids or by cgroup\/ns\/user\/comm, not both/],
    [{ comm: ['sh'], tree: true }, /tree: tree applies to pids; cgroup, ns, user and comm select the processes themselves/],
    [{ comm: [] }, /comm: Too small/],
    [{ comm: [''] }, /comm\.0: an empty name/],
    [
      { comm: ['sh', 'a-name-of-16-byt'] },
      /comm\.1: "a-name-of-16-byt" is longer than a comm can be \(15 bytes\); use a prefix: "a-name-of-16-by\*"/,
    ],
    [{ comm: Array.from({ length: 101 }, (_, i) => `p${i}`) }, /comm: Too big/],
    [{ comm: 'sh' }, /comm: /],
    [{ user: [] }, /user: Too small/],
    [{ user: [-1] }, /user\.0: a uid is 0 to 4294967295/],
    [{ user: [2 ** 32] }, /user\.0: a uid is 0 to 4294967295/],
    [{ user: [1.5] }, /user\.0: a uid/],
    [{ user: ['a:b'] }, /user\.0: a user name has no ":", "," or line break/],
    [{ user: [''] }, /user\.0: an empty user name/],
    [{ user: [true] }, /user\.0: a uid or a user name/],
    [{ user: Array.from({ length: 101 }, (_, i) => i) }, /user: Too big/],
    [{ user: 'root' }, /user: /],
  ];
  it.each(cases.map(([args, re]) => ({ name: JSON.stringify(args).slice(0, 60), args, re })))(
    '$name is bad-argument',
    async ({ args, re }) => {
      const e = await fail('capture.run', { source: 'proc', ...args });
      expect(e.code).toBe('bad-argument');
      expect(e.message).toMatch(re);
    },
  );
});
