/**
 * A unix listener with more clients waiting than fit in one netlink dump
 * buffer (UNIX_DIAG_ICONS is 4 bytes a client: some 8,000 of them fill the
 * ~32 KiB buffer; net.core.somaxconn raised allows that many): the dump of
 * every socket must not end at it. It did while that dump asked for ICONS:
 * the listener and every socket after it were missing, read as sockets
 * 'opened or closed during the capture'. The fixture runs in a network
 * namespace of its own, whose somaxconn it raises.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { captureProc } from '../../src-main/sources/proc/index.js';
import { firstJsonLine } from './fixture.js';

const WAITING = 9000;
const PY = `
import json, os, resource, socket, sys, tempfile
resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))
open('/proc/sys/net/core/somaxconn', 'w').write('65535')
path = os.path.join(tempfile.mkdtemp(), 'big.sock')
big = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); big.bind(path); big.listen(65535)
waiting = []
for _ in range(${WAITING}):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); c.connect(path); waiting.append(c)
small_path = path + '2'
small = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); small.bind(small_path); small.listen(5)
one = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); one.connect(small_path)
a, b = socket.socketpair()
ino = lambda s: os.fstat(s.fileno()).st_ino
print(json.dumps({'pid': os.getpid(), 'bigFd': big.fileno(), 'bigIno': ino(big), 'smallIno': ino(small), 'oneFd': one.fileno(),
                  'aFd': a.fileno(), 'bIno': ino(b)}), flush=True)
sys.stdin.read()
`;

const canUnshare = process.getuid?.() === 0 && spawnSync('unshare', ['--net', 'true']).status === 0;
let proc: ChildProcess | undefined;
let facts: { pid: number; bigFd: number; bigIno: number; smallIno: number; oneFd: number; aFd: number; bIno: number };

beforeAll(async () => {
  if (!canUnshare) return;
  proc = spawn('unshare', ['--net', 'python3', '-c', PY], { stdio: ['pipe', 'pipe', 'inherit'] });
  facts = await firstJsonLine(proc!, 'backlog fixture');
}, 60_000);

afterAll(() => {
  proc?.stdin?.end();
  proc?.kill('SIGKILL');
});

it.skipIf(!canUnshare)(
  `keeps every unix socket known beside a listener with ${WAITING} clients waiting (both readers)`,
  async () => {
    for (const reader of ['native', 'js'] as const) {
      const snap = await captureProc({ pids: [facts.pid], reader });
      const task = snap.tasks.find((t) => t.pid === facts.pid)!;
      const table = snap.fdTables.find((t) => t.ref === task.fdTable)!;
      const files = new Map(snap.files.map((f) => [f.ref, f]));
      const file = (fd: number) => files.get(table.fds.find((x) => x.fd === fd)!.file)!;
      const kinds = new Map<string, number>();
      for (const fd of table.fds) {
        const k = files.get(fd.file)!.kind;
        kinds.set(k, (kinds.get(k) ?? 0) + 1);
      }
      // Every socket of the process is in the tables: none read as an unlisted generic socket.
      expect(kinds.get('socket') ?? 0, `${reader}: ${JSON.stringify([...kinds])}`).toBe(0);
      expect(kinds.get('unix-socket')).toBeGreaterThanOrEqual(WAITING + 5); // and its stdio, socketpairs of node's
      expect(file(facts.bigFd).attrs).toMatchObject({ state: 'LISTEN', rxQueue: WAITING, backlogKnown: true, backlog: 65535 });
      expect(file(facts.aFd).attrs).toMatchObject({ state: 'CONNECTED', peer: facts.bIno });
      // The small listener's waiting client is CONNECTED (told as pending on it only when the
      // listeners' dump reached it before the big one, which ends that dump).
      expect(file(facts.oneFd).attrs).toMatchObject({ state: 'CONNECTED' });
      expect([0, facts.smallIno]).toContain(file(facts.oneFd).attrs.pendingOn);
      expect(snap.errors.filter((e) => e.pid === -1)).toEqual([]);
    }
  },
  60_000,
);
