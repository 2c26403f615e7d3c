/**
 * An epoll watching hundreds of fds: its fdinfo is several times the
 * reader's first buffer, and every watch must still come back, resolved to
 * the open file it watches.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import type { AttrRecord } from '../../src-shared/model/index.js';
import { captureProc } from '../../src-main/sources/proc/index.js';
import { firstJsonLine } from './fixture.js';

const N = 600;
const PY = `
import json, os, select, sys
ep = select.epoll()
fds = []
for i in range(${N}):
    r, w = os.pipe()
    ep.register(r, select.EPOLLIN)
    fds.append(r)
print(json.dumps({'pid': os.getpid(), 'epfd': ep.fileno(), 'fds': fds}), flush=True)
sys.stdin.read()
`;

let proc: ChildProcess;
let facts: { pid: number; epfd: number; fds: number[] };

beforeAll(async () => {
  proc = spawn('python3', ['-c', PY], { stdio: ['pipe', 'pipe', 'inherit'] });
  facts = await firstJsonLine(proc, 'fixture');
});

afterAll(() => {
  proc?.stdin?.end();
  proc?.kill('SIGKILL');
});

it('keeps every watch of a large epoll and resolves each to its open file', async () => {
  const snap = await captureProc({ pids: [facts.pid] });
  expect(snap.errors).toEqual([]);
  const table = snap.fdTables[0]!;
  const refOf = (fd: number) => table.fds.find((x) => x.fd === fd)!.file;
  const ep = snap.files.find((f) => f.ref === refOf(facts.epfd))!;
  expect(ep.kind).toBe('epoll');
  const watches = ep.attrs.watches as AttrRecord[];
  expect(watches).toHaveLength(N);
  expect(watches.map((w) => w.tfd).sort((a, b) => (a as number) - (b as number))).toEqual(facts.fds);
  for (const w of watches) expect(w.file).toBe(refOf(w.tfd as number));
});
