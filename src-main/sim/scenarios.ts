/**
 * The simulation scenarios: deterministic by name and seed, each modelled on
 * a program people debug. Between them they exercise dup'd and inherited fds,
 * shared tables, close-on-exec and every file kind (a test checks that).
 */
import { O } from '../../src-shared/model/index.js';
import { Rng, S_IFBLK, S_IFCHR, S_IFIFO, S_IFREG, SnapshotBuilder, hashName, mkdev, type Proc } from './builder.js';
import {
  ROOT_DEV,
  ROOT_MNT,
  epoll,
  eventfd,
  openDevNull,
  openDir,
  openFile,
  stdNull,
  stdPty,
  tcpConn,
  tcpListen,
  unixListen,
  unixPending,
  unixPair,
} from './common.js';

export interface ScenarioParams {
  seed: number;
  step: number;
  processes: number;
  fds: number;
}

export interface Scenario {
  name: string;
  description: string;
  /** The parameters beyond the seed its build reads: the image's header options record them. */
  params?: readonly Exclude<keyof ScenarioParams, 'seed'>[];
  build(b: SnapshotBuilder, p: ScenarioParams): void;
}

function webServer(b: SnapshotBuilder, p: ScenarioParams): void {
  const r = b.rng;
  const master = b.process({
    pid: 1200,
    ppid: 1,
    comm: 'nginx',
    cmdline: ['nginx: master process /usr/sbin/nginx', '-g', 'daemon on;'],
    cwd: '/',
  });
  stdNull(master);
  const access = openFile(master, '/var/log/nginx/access.log', {
    flags: O.O_WRONLY | O.O_APPEND | O.O_CREAT | O.O_LARGEFILE,
    pos: r.int(1e5, 9e6),
    size: 9_000_000,
  });
  const error = openFile(master, '/var/log/nginx/error.log', {
    flags: O.O_WRONLY | O.O_APPEND | O.O_CREAT | O.O_LARGEFILE,
    pos: r.int(1e3, 1e5),
  });
  master.dup(error, { at: 2 }); // nginx points stderr at its error log
  const l4 = tcpListen(master, '0.0.0.0', 80, 4);
  const l6 = tcpListen(master, '::', 80, 6);
  const tls = tcpListen(master, '0.0.0.0', 443, 4);
  openFile(master, '/run/nginx.pid', {
    flags: O.O_RDWR | O.O_CREAT,
    cloexec: true,
    size: 5,
    locks: [{ kind: 'posix', write: true, pid: 1200, start: 0, end: null }],
  });
  master.open(
    'signalfd',
    { path: 'anon_inode:[signalfd]', flags: O.O_RDWR | O.O_NONBLOCK, dev: 15, ino: 1051, attrs: { sigmask: 0x4001 } },
    { cloexec: true },
  );
  const syslog = master.open(
    'unix-socket',
    { dev: 8, flags: O.O_RDWR, attrs: { type: 'dgram', state: 'CONNECTED', name: '', peer: 7001, listening: false } },
    { cloexec: true },
  );
  const nworkers = 2 + (p.seed % 3);
  for (let w = 0; w < nworkers; w++) {
    const worker = master.fork({ pid: 1201 + w, comm: 'nginx', cmdline: ['nginx: worker process'], uid: 33, gid: 33 });
    worker.close(syslog);
    const ev = eventfd(worker, 10 + w);
    const conns: number[] = [];
    const n = r.int(2, 6);
    for (let i = 0; i < n; i++) {
      const port = r.int(32768, 60999);
      conns.push(tcpConn(worker, '10.0.0.5', 80, `10.0.${r.int(0, 9)}.${r.int(1, 254)}`, port));
    }
    openFile(worker, `/var/www/html/${r.pick(['index.html', 'app.js', 'style.css', 'logo.png'])}`, {
      flags: O.O_RDONLY | O.O_NONBLOCK | O.O_LARGEFILE,
      pos: r.int(0, 4096),
      cloexec: true,
    });
    epoll(worker, [l4, l6, tls, ev, ...conns]);
  }
  void access;
}

function pipeline(b: SnapshotBuilder): void {
  const shell = b.process({ pid: 2100, ppid: 2000, comm: 'bash', cmdline: ['-bash'], uid: 1000, gid: 1000, cwd: '/home/dev' });
  stdPty(shell, 3);
  shell.dup(0, { at: 255, cloexec: true });
  const stages: [string, string[]][] = [
    ['cat', ['cat', '/var/log/syslog']],
    ['grep', ['grep', 'error']],
    ['sort', ['sort']],
    ['uniq', ['uniq', '-c']],
  ];
  let prevRead = -1;
  const kids: Proc[] = [];
  for (let i = 0; i < stages.length; i++) {
    const [comm, argv] = stages[i]!;
    // The shell makes the pipe to the next stage, forks, and each child
    // dup2()s its ends onto 0/1 and closes the originals.
    const pipeFds = i < stages.length - 1 ? shell.pipe() : null;
    const kid = shell.fork({ pid: 2101 + i, comm, cmdline: argv });
    if (prevRead >= 0) {
      kid.dup(prevRead, { at: 0 });
    }
    if (pipeFds) {
      kid.dup(pipeFds[1], { at: 1 });
      kid.close(pipeFds[0]);
      kid.close(pipeFds[1]);
    }
    if (prevRead >= 0) kid.close(prevRead);
    kid.exec(comm, argv);
    kids.push(kid);
    if (prevRead >= 0) shell.close(prevRead);
    if (pipeFds) {
      shell.close(pipeFds[1]);
      prevRead = pipeFds[0];
    }
  }
  if (prevRead >= 0) shell.close(prevRead);
  openFile(kids[0]!, '/var/log/syslog', { flags: O.O_RDONLY | O.O_LARGEFILE, pos: 65536, size: 1_048_576 });
  const fifo = kids[3]!.open('fifo', {
    path: '/tmp/progress.fifo',
    flags: O.O_WRONLY,
    mode: S_IFIFO | 0o644,
    dev: ROOT_DEV,
    mntId: ROOT_MNT,
    attrs: { end: 'write' },
  });
  void fifo;
}

function threads(b: SnapshotBuilder): void {
  const app = b.process({
    pid: 3000,
    ppid: 1,
    comm: 'java',
    cmdline: ['java', '-jar', '/opt/app/app.jar'],
    uid: 1001,
    gid: 1001,
    cwd: '/opt/app',
  });
  stdNull(app);
  openFile(app, '/opt/app/app.jar', { flags: O.O_RDONLY | O.O_LARGEFILE, cloexec: true, size: 52_428_800, pos: 52_428_700 });
  openFile(app, '/usr/lib/jvm/java-17/lib/modules', { flags: O.O_RDONLY | O.O_LARGEFILE, cloexec: true, size: 135_000_000 });
  tcpListen(app, '::', 8080, 6, true);
  eventfd(app, 30);
  for (const [i, name] of ['GC Thread#0', 'C2 CompilerThre', 'http-nio-8080-e', 'VM Periodic Tas'].entries())
    app.clone(3001 + i, { comm: name });
  // A helper made with clone(CLONE_FILES): a process of its own sharing the table.
  app.clone(3010, { comm: 'jspawnhelper', process: true });
  const other = b.process({ pid: 3100, ppid: 1, comm: 'logrotate', cmdline: ['logrotate', '/etc/logrotate.conf'] });
  stdNull(other);
}

function database(b: SnapshotBuilder, p: ScenarioParams): void {
  const r = b.rng;
  const pm = b.process({
    pid: 4000,
    ppid: 1,
    comm: 'postgres',
    cmdline: ['/usr/lib/postgresql/15/bin/postgres', '-D', '/var/lib/postgresql/15/main'],
    uid: 112,
    gid: 118,
    cwd: '/var/lib/postgresql/15/main',
  });
  stdNull(pm);
  openFile(pm, '/var/lib/postgresql/15/main/postmaster.pid', {
    flags: O.O_RDWR,
    size: 94,
    locks: [{ kind: 'posix', write: true, pid: 4000, start: 0, end: null }],
  });
  tcpListen(pm, '127.0.0.1', 5432, 4, true);
  tcpListen(pm, '::1', 5432, 6, true);
  unixListen(pm, '/var/run/postgresql/.s.PGSQL.5432');
  const [selfR, selfW] = pm.pipe({ cloexec: true });
  void selfR;
  void selfW;
  const nback = 3 + (p.seed % 3);
  for (let k = 0; k < nback; k++) {
    const be = pm.fork({ pid: 4010 + k, comm: 'postgres', cmdline: [`postgres: app appdb 127.0.0.1(${r.int(40000, 60000)}) idle`] });
    tcpConn(be, '127.0.0.1', 5432, '127.0.0.1', r.int(40000, 60000));
    const nrel = r.int(8, 20);
    for (let i = 0; i < nrel; i++) {
      const rel = 16384 + r.int(0, 400);
      const size = r.int(1, 4096) * 8192;
      openFile(be, `/var/lib/postgresql/15/main/base/16384/${rel}`, {
        flags: O.O_RDWR | O.O_LARGEFILE,
        size,
        pos: r.int(0, size / 8192) * 8192,
        cloexec: true,
      });
    }
    if (k === 0) {
      openFile(be, `/var/lib/postgresql/15/main/base/pgsql_tmp/pgsql_tmp${4010 + k}.0`, {
        flags: O.O_RDWR | O.O_LARGEFILE,
        deleted: true,
        size: 67_108_864,
        pos: 67_108_864,
        cloexec: true,
      });
      openFile(be, '/var/lib/postgresql/15/main/pg_stat/db.lock', {
        flags: O.O_RDWR,
        cloexec: true,
        locks: [{ kind: 'flock', write: false, pid: 4010, start: 0, end: null }],
      });
      openFile(be, '/var/lib/postgresql/15/main/pg_stat/ofd.lock', {
        flags: O.O_RDWR,
        cloexec: true,
        locks: [{ kind: 'ofd', write: true, pid: -1, start: 0, end: 1023 }],
      });
    }
  }
  const wal = pm.fork({ pid: 4005, comm: 'postgres', cmdline: ['postgres: walwriter'] });
  openFile(wal, '/var/lib/postgresql/15/main/pg_wal/000000010000000000000042', {
    flags: O.O_RDWR | O.O_DSYNC | O.O_DIRECT | O.O_LARGEFILE,
    size: 16_777_216,
    pos: r.int(0, 2047) * 8192,
    cloexec: true,
  });
  openDir(wal, '/var/lib/postgresql/15/main/pg_wal');
  wal.open(
    'memfd',
    {
      path: '/memfd:PostgreSQL.1234 (deleted)',
      flags: O.O_RDWR | O.O_LARGEFILE,
      mode: S_IFREG | 0o600,
      dev: 1,
      size: 1_048_576,
      nlink: 0,
      deleted: true,
      attrs: { name: 'PostgreSQL.1234' },
    },
    { cloexec: true },
  );
}

/**
 * One process whose fds grow with --step: each step leaves three sockets
 * stuck in CLOSE_WAIT and one rotated log it never closed. Like a real
 * process it keeps its old fds at their numbers (the kernel hands out the
 * lowest free one), so step K's table is step K-1's plus what leaked since,
 * and a few short-lived client connections churn at the top.
 */
function leaky(b: SnapshotBuilder, p: ScenarioParams): void {
  const r = b.rng;
  // A low soft fd limit, as a unit file's LimitNOFILE= might set: at 4 fds
  // a step the series reaches it at step 30, so a timeline of a few steps
  // shows the limit in range and a projection to it, and step 30 on is at it:
  // from there every open fails with EMFILE, as the kernel makes it, so the
  // table never holds more than the limit.
  const SOFT = 128;
  const svc = b.process({
    pid: 5000,
    ppid: 1,
    comm: 'leaky-svc',
    cmdline: ['/usr/local/bin/leaky-svc', '--port', '9000'],
    uid: 1002,
    gid: 1002,
    cwd: '/srv/leaky',
    fdLimit: { soft: SOFT, hard: 4096 },
  });
  const room = () => svc.table.fds.length < SOFT;
  stdNull(svc);
  openFile(svc, '/srv/leaky/config.yaml', { flags: O.O_RDONLY, pos: 512, size: 512, cloexec: true });
  tcpListen(svc, '0.0.0.0', 9000, 4, true);
  eventfd(svc, 50);
  const step = Math.max(0, p.step);
  openFile(svc, '/var/log/leaky/app.log', {
    flags: O.O_WRONLY | O.O_APPEND | O.O_LARGEFILE,
    pos: 1_000 * (step + 1) + r.int(0, 999),
    cloexec: true,
  });
  leak: for (let i = 0; i < step; i++) {
    for (let k = 0; k < 3; k++) {
      if (!room()) break leak;
      tcpConn(svc, '10.0.0.7', 40000 + 3 * i + k, '10.0.3.20', 5432, 'CLOSE_WAIT');
    }
    if (!room()) break;
    // Rotated away and, but for the newest, deleted by the rotation since.
    openFile(svc, `/var/log/leaky/app.log.${i + 1}`, {
      flags: O.O_WRONLY | O.O_APPEND | O.O_LARGEFILE,
      deleted: i < step - 1,
      pos: 10_485_760,
      size: 10_485_760,
      cloexec: true,
    });
  }
  // Steady churn that is not a leak: a few short-lived client connections,
  // different ones at every step.
  const live = r.int(1, 4);
  const churn = new Rng(hashName('leaky-clients') ^ Math.imul(p.seed + 1, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca6b));
  for (let i = 0; i < live; i++) {
    const peer = `10.0.9.${churn.int(1, 254)}`;
    const port = churn.int(32768, 60999);
    if (room()) tcpConn(svc, '10.0.0.7', 9000, peer, port);
  }
}

/**
 * A machine captured with --all while the leaky service leaks (--step K as
 * for leaky): init first (what the series is named after), a steady sshd,
 * the leaky service third, a log shipper leaking one fd a step against a
 * soft limit of 1024, a cache whose fds shrink with the steps, and an agent
 * whose fds grow but whose limit could not be read.
 */
function leakyHost(b: SnapshotBuilder, p: ScenarioParams): void {
  const step = Math.max(0, p.step);
  const init = b.process({
    pid: 1,
    ppid: 0,
    comm: 'systemd',
    cmdline: ['/sbin/init', 'splash'],
    fdLimit: { soft: 1073741816, hard: 1073741816 },
  });
  stdNull(init);
  unixListen(init, '/run/systemd/private');
  openFile(init, '/proc/1/mountinfo', { flags: O.O_RDONLY, cloexec: true });
  const sshd = b.process({ pid: 610, ppid: 1, comm: 'sshd', cmdline: ['sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups'] });
  stdNull(sshd);
  tcpListen(sshd, '0.0.0.0', 22, 4, true);
  tcpListen(sshd, '::', 22, 6, true);
  leaky(b, p);
  const shipper = b.process({
    pid: 5300,
    ppid: 1,
    comm: 'log-shipper',
    cmdline: ['/usr/bin/log-shipper', '--spool', '/var/spool/ship'],
    fdLimit: { soft: 1024, hard: 1024 },
  });
  stdNull(shipper);
  for (let i = 0; i < step; i++)
    openFile(shipper, `/var/spool/ship/batch-${i}.json`, { flags: O.O_RDONLY, deleted: true, size: 4096, cloexec: true });
  const cache = b.process({
    pid: 5100,
    ppid: 1,
    comm: 'cache-warmer',
    cmdline: ['/usr/bin/cache-warmer'],
    fdLimit: { soft: 256, hard: 4096 },
  });
  stdNull(cache);
  for (let i = 0; i < Math.max(0, 40 - 2 * step); i++)
    openFile(cache, `/var/cache/warm/${i}.bin`, { flags: O.O_RDONLY, size: 65536, cloexec: true });
  const agent = b.process({ pid: 5200, ppid: 1, comm: 'metrics-agent', cmdline: ['/opt/agent/bin/metrics-agent'], fdLimit: null });
  stdNull(agent);
  for (let i = 0; i < 2 * step; i++) openFile(agent, `/var/lib/agent/wal-${i}`, { flags: O.O_WRONLY | O.O_APPEND, cloexec: true });
}

const HOSTILE = Uint8Array.from([...Buffer.from('/tmp/evil\n<script>alert("x")</script>'), 0xff, 0xfe, ...Buffer.from("'\u202e.txt")]);

/** An idle ring's fdinfo as Linux 6.x prints it: what an unknown anon inode keeps. */
const IO_URING_FDINFO = [
  'SqMask:\t0x3',
  'SqHead:\t0',
  'SqTail:\t0',
  'CachedSqHead:\t0',
  'CqMask:\t0x7',
  'CqHead:\t0',
  'CqTail:\t0',
  'CachedCqTail:\t0',
  'SQEs:\t0',
  'CQEs:\t0',
  'SqThread:\t-1',
  'SqThreadCpu:\t-1',
  'SqTotalTime:\t0',
  'SqWorkTime:\t0',
  'UserFiles:\t0',
  'UserBufs:\t0',
  'PollList:',
  'CqOverflowList:',
  'NAPI:\tdisabled',
  '',
].join('\n');

/** Every kind of file the model has, in one process and its child. */
function everything(b: SnapshotBuilder): void {
  const p = b.process({ pid: 6000, ppid: 1, comm: 'kitchen-sink', cmdline: ['/usr/bin/kitchen-sink', '--all'], cwd: '/home/dev' });
  stdPty(p, 7);
  p.open('pty', {
    path: '/dev/ptmx',
    flags: O.O_RDWR | O.O_NOCTTY,
    mode: S_IFCHR | 0o666,
    rdev: mkdev(5, 2),
    dev: 25,
    mntId: 26,
    ino: 2,
    attrs: { index: 8, master: true },
  });
  const reg = openFile(p, '/home/dev/notes.txt', { flags: O.O_RDWR | O.O_LARGEFILE, pos: 42, size: 1000 });
  p.dup(reg, { cloexec: true });
  openDir(p, '/home/dev');
  openFile(p, '/etc', { flags: O.O_PATH | O.O_DIRECTORY, mode: 0o040755 });
  openDevNull(p);
  p.open('blockdev', { path: '/dev/sda', flags: O.O_RDONLY | O.O_LARGEFILE, mode: S_IFBLK | 0o660, rdev: mkdev(8, 0), dev: 5, mntId: 24 });
  const [pr, pw] = p.pipe();
  p.open('fifo', { path: '/tmp/ctl.fifo', flags: O.O_RDWR, mode: S_IFIFO | 0o644, dev: ROOT_DEV, mntId: ROOT_MNT, attrs: { end: 'both' } });
  // One client waits in its accept queue (opened at the end, by this process itself), of the 16 it may hold.
  const ctl = unixListen(p, '@kitchen-sink-ctl', true, { queued: 1, backlog: 16 });
  // The child raised its soft fd limit after the fork (setrlimit), and runs in a pid and user namespace of its own, as pid 1 and root of a container.
  const child = p.fork({
    pid: 6001,
    comm: 'kitchen-child',
    cmdline: ['/usr/bin/kitchen-sink', '--child'],
    fdLimit: { soft: 65536, hard: 524288 },
    nsPids: [6001, 1],
    // A rootless container's: host uid 100000 is its root.
    uid: 100000,
    gid: 100000,
    userNsIds: { uid: 0, gid: 0 },
  });
  unixPair(p, child);
  // Three connections nobody has accepted yet, of the 128 it may hold.
  tcpListen(p, '0.0.0.0', 8443, 4, false, { queued: 3, backlog: 128 });
  tcpConn(p, '::1', 50000, '::1', 8443);
  p.open(
    'inet-socket',
    {
      dev: 8,
      flags: O.O_RDWR,
      attrs: { proto: 'udp', family: 4, state: 'CLOSE', localAddr: '0.0.0.0', localPort: 5353, remoteAddr: '0.0.0.0', remotePort: 0 },
    },
    { cloexec: true },
  );
  p.open(
    'inet-socket',
    {
      dev: 8,
      flags: O.O_RDWR,
      attrs: { proto: 'raw', family: 6, state: 'CLOSE', localAddr: '::', localPort: 58, remoteAddr: '::', remotePort: 0 },
    },
    { cloexec: true },
  );
  p.open('netlink-socket', { dev: 8, flags: O.O_RDWR, attrs: { protocol: 0, portId: 6000, groups: 0 } }, { cloexec: true });
  p.open('packet-socket', { dev: 8, flags: O.O_RDWR, attrs: { type: 3, protocol: 0x0003, ifindex: 2 } }, { cloexec: true });
  p.open('socket', { dev: 8, flags: O.O_RDWR, attrs: { family: '' } }, { cloexec: true });
  const ev = eventfd(p, 60, 3);
  epoll(p, [ev, pr, pw]);
  p.open(
    'inotify',
    {
      path: 'anon_inode:inotify',
      flags: O.O_RDONLY,
      dev: 15,
      ino: 1051,
      attrs: { watches: [{ wd: 1, ino: b.inodeFor('/home/dev'), sdev: ROOT_DEV, mask: 0x3cc, ignoredMask: 0 }] },
    },
    { cloexec: true },
  );
  p.open(
    'fanotify',
    {
      path: 'anon_inode:[fanotify]',
      flags: O.O_RDONLY,
      dev: 15,
      ino: 1051,
      attrs: { initFlags: 0x10, eventFlags: 0x8002, marks: [{ text: 'fanotify mnt_id:1d mflags:0 mask:3b ignored_mask:0' }] },
    },
    { cloexec: true },
  );
  p.open(
    'signalfd',
    { path: 'anon_inode:[signalfd]', flags: O.O_RDWR, dev: 15, ino: 1051, attrs: { sigmask: 0x10000n + 0xfffffffe00000000n } },
    { cloexec: true },
  );
  p.open(
    'timerfd',
    {
      path: 'anon_inode:[timerfd]',
      flags: O.O_RDWR,
      dev: 15,
      ino: 1051,
      attrs: { clockid: 1, ticks: 0, settimeFlags: 0, valueSec: 0, valueNsec: 250_000_000, intervalSec: 1, intervalNsec: 0 },
    },
    { cloexec: true },
  );
  p.open('pidfd', { path: 'anon_inode:[pidfd]', flags: O.O_RDWR, dev: 15, ino: 1051, attrs: { pid: 6001 } }, { cloexec: true });
  p.open(
    'userfaultfd',
    { path: 'anon_inode:[userfaultfd]', flags: O.O_RDWR, dev: 15, ino: 1051, attrs: { pending: 0, total: 0, api: 0xaa } },
    { cloexec: true },
  );
  p.open('nsfd', { path: 'net:[4026531840]', flags: O.O_RDONLY, dev: 4, ino: 4026531840, attrs: { nsType: 'net' } }, { cloexec: true });
  p.open(
    'memfd',
    {
      path: '/memfd:jit-cache (deleted)',
      flags: O.O_RDWR | O.O_LARGEFILE,
      mode: S_IFREG | 0o777,
      dev: 1,
      size: 65536,
      nlink: 0,
      deleted: true,
      attrs: { name: 'jit-cache' },
    },
    { cloexec: true },
  );
  p.open(
    'anon',
    { path: 'anon_inode:[io_uring]', flags: O.O_RDWR, dev: 15, ino: 1051, attrs: { fdinfo: IO_URING_FDINFO } },
    { cloexec: true },
  );
  openFile(p, '/tmp/scratch.bin', { flags: O.O_RDWR | O.O_LARGEFILE, deleted: true, size: 4096, pos: 4096 });
  openFile(p, HOSTILE, { flags: O.O_RDONLY | O.O_LARGEFILE });
  openFile(p, '/var/lib/huge.img', { flags: O.O_RDONLY | O.O_LARGEFILE, size: 2n ** 62n, pos: 2n ** 60n + 7n, ino: 2n ** 63n + 5n });
  // A deleted sparse log: 50 GiB apparent size, one 4 KiB block written (format 1.7's allocated blocks).
  openFile(p, '/var/log/kitchen/sparse.log', {
    flags: O.O_RDWR | O.O_LARGEFILE,
    deleted: true,
    nlink: 0,
    size: 50 * 2 ** 30,
    attrs: { blocksKnown: true, blocks: 8 },
  });
  unixPending(p, p, ctl);
}

const LARGE_PATHS = [
  '/usr/lib/x86_64-linux-gnu/libc.so.6',
  '/var/log/app/requests.log',
  '/srv/data/shard',
  '/tmp/cache/blob',
  '/etc/ssl/certs/ca-certificates.crt',
];

/** --processes N --fds M: a fleet for benchmarks, with the mix of a busy server. */
function large(b: SnapshotBuilder, p: ScenarioParams): void {
  const r = b.rng;
  const parent = b.process({ pid: 10_000, ppid: 1, comm: 'supervisor', cmdline: ['supervisor'] });
  stdNull(parent);
  const shared = openFile(parent, '/var/log/app/shared.log', { flags: O.O_WRONLY | O.O_APPEND });
  for (let i = 0; i < p.processes; i++) {
    const w = parent.fork({ pid: 10_001 + i, comm: `worker-${i % 100}`, cmdline: ['worker', `--id=${i}`] });
    void shared;
    const target = Math.max(0, p.fds - w.table.fds.length);
    for (let k = 0; k < target; k++) {
      const roll = r.next();
      const fdNo = w.table.fds.length;
      if (roll < 0.6) {
        const base = LARGE_PATHS[k % LARGE_PATHS.length]!;
        const path = base.startsWith('/srv') || base.startsWith('/tmp') ? `${base}-${i % 64}-${k % 512}` : base;
        w.table.fds.push({
          fd: fdNo,
          file: b.file('regular', {
            path,
            flags: O.O_RDONLY | O.O_LARGEFILE,
            mode: S_IFREG | 0o644,
            dev: ROOT_DEV,
            mntId: ROOT_MNT,
            ino: b.inodeFor(path),
            pos: Math.floor(r.next() * 1e6),
            size: 1e6,
          }).ref,
          cloexec: roll < 0.3,
        });
      } else if (roll < 0.75) {
        const ino = b.nextIno();
        w.table.fds.push({
          fd: fdNo,
          file: b.file('pipe', {
            path: `pipe:[${ino}]`,
            flags: k & 1 ? O.O_WRONLY : 0,
            mode: S_IFIFO | 0o600,
            dev: 14,
            ino,
            attrs: { end: k & 1 ? 'write' : 'read' },
          }).ref,
          cloexec: true,
        });
      } else if (roll < 0.95) {
        const ino = b.nextIno();
        w.table.fds.push({
          fd: fdNo,
          file: b.file('inet-socket', {
            path: `socket:[${ino}]`,
            flags: O.O_RDWR | O.O_NONBLOCK,
            dev: 8,
            ino,
            attrs: {
              proto: 'tcp',
              family: 4,
              state: 'ESTABLISHED',
              localAddr: '10.1.0.2',
              localPort: 8080,
              remoteAddr: `10.2.${(k >> 8) & 255}.${k & 255}`,
              remotePort: 30000 + (k % 30000),
            },
          }).ref,
          cloexec: true,
        });
      } else {
        w.table.fds.push({
          fd: fdNo,
          file: b.file('eventfd', {
            path: 'anon_inode:[eventfd]',
            flags: O.O_RDWR,
            dev: 15,
            ino: 1051,
            attrs: { count: 0, id: k, semaphore: false },
          }).ref,
          cloexec: true,
        });
      }
    }
  }
}

export const SCENARIOS: readonly Scenario[] = [
  { name: 'web-server', description: 'nginx master and workers sharing listening sockets and log files', build: webServer },
  { name: 'pipeline', description: 'a shell pipeline (cat | grep | sort | uniq) joined by pipes', build: (b) => pipeline(b) },
  { name: 'threads', description: 'a JVM whose threads share one fd table, and a CLONE_FILES helper', build: (b) => threads(b) },
  { name: 'database', description: 'postgres: relation files at varied positions, a deleted temp file, locks', build: database },
  { name: 'leaky', description: 'one service whose fds grow with --step K (a series)', params: ['step'], build: leaky },
  {
    name: 'leaky-host',
    description: 'a machine (--all) whose third process is the leaky service, with --step K (a series)',
    params: ['step'],
    build: leakyHost,
  },
  { name: 'everything', description: 'every kind of file the model has, hostile names included', build: (b) => everything(b) },
  { name: 'large', description: '--processes N --fds M, for benchmarks', params: ['processes', 'fds'], build: large },
];

export function scenarioByName(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

export function newBuilder(name: string, seed: number): SnapshotBuilder {
  return new SnapshotBuilder(new Rng(hashName(name) ^ Math.imul(seed, 0x9e3779b1)));
}
