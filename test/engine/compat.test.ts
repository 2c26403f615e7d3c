/** Forward compatibility and the reader's structural rules, on hand-built images. */
import { describe, expect, it } from 'vitest';
import { RecordWriter } from '../../src-main/engine/record-writer.js';
import { decodeImage } from '../../src-main/engine/reader.js';
import { ImageError } from '../../src-main/engine/errors.js';
import { MAGIC, RT } from '../../src-main/engine/format.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { kindByName } from '../../src-shared/kinds/index.js';
import {
  FORMAT_MINOR,
  describeFile,
  memoryHeld,
  fileFromJson,
  snapshotFromJson,
  snapshotToJson,
  taskStateKnown,
  type Json,
} from '../../src-shared/model/index.js';

type Rec = (w: RecordWriter) => void;

/** The minor of the image being built: records hold the fields that minor promises (1.2: limits). */
let minorNow = 7;

/** `limits`: the HEADER's kernel limits (1.2); null leaves the field out; default none, where the minor has it. */
function image(records: Rec[], opts: { major?: number; minor?: number; limits?: [string, bigint][] | null } = {}): Buffer {
  minorNow = opts.minor ?? 7;
  const chunks: Buffer[] = [];
  const w = new RecordWriter((c) => chunks.push(Buffer.from(c)));
  w.begin(RT.HEADER);
  w.bytes(MAGIC);
  w.u16(opts.major ?? 1);
  w.u16(opts.minor ?? 7);
  w.u32(0);
  w.u64(1000);
  w.u16(2);
  w.u16(0);
  w.bstr('x86_64');
  w.bstr('6.1');
  w.bstr('host');
  w.u32(0);
  const limits = opts.limits === undefined ? (minorNow >= 2 ? [] : null) : opts.limits;
  if (limits) {
    w.u32(limits.length);
    for (const [k, v] of limits) {
      w.bstr(k);
      w.u64(v > BigInt(Number.MAX_SAFE_INTEGER) ? v : Number(v));
    }
  }
  w.end();
  for (const r of records) r(w);
  const n = w.recordCount;
  const sha = w.digest();
  w.begin(RT.TAIL);
  w.u64(n);
  w.bytes(sha);
  w.end();
  w.flush();
  return Buffer.concat(chunks);
}

/**
 * A TASK record (flags, comm, cwd and root as given); `tail` writes what
 * follows its namespaces, by default what an image of minorNow holds there.
 */
const task =
  (pid: number, o: { flags?: number; comm?: string; dir?: string; tail?: Rec } = {}): Rec =>
  (w) => {
    w.begin(RT.TASK);
    for (const v of [pid, pid, 1, 0, 0, o.flags ?? 0]) w.u32(v);
    w.bstr(o.comm ?? 't');
    w.u32(0);
    w.bstr(o.dir ?? '/');
    w.bstr(o.dir ?? '/');
    w.u32(0);
    if (o.tail) o.tail(w);
    else {
      if (minorNow >= 2) for (let i = 0; i < 2; i++) w.u64(0); // fd limit, unknown (flags 0)
      if (minorNow >= 5) w.u32(0); // pids in pid namespaces (1.5): none recorded
      if (minorNow >= 6) for (let i = 0; i < 2; i++) w.u32(0); // ids in its user namespace (1.6): not recorded (flags 0)
    }
    w.end();
  };
/** A record of `type` whose body is these u32s. */
const u32Record =
  (type: number, ...values: number[]): Rec =>
  (w) => {
    w.begin(type);
    for (const v of values) w.u32(v);
    w.end();
  };
const taskObjs = (ref: number): Rec => u32Record(RT.TASK_OBJS, ref, 0);
const table = (ref: number, nfds: number): Rec => u32Record(RT.FILE_TABLE, ref, nfds, 0);
const fd = (file: number, n: number): Rec => u32Record(RT.FILE_DESC, file, n, 0);
const file =
  (ref: number, kindCode = 1, extra: (w: RecordWriter) => void = () => {}): Rec =>
  (w) => {
    w.begin(RT.FILE);
    w.u32(ref);
    w.u16(kindCode);
    w.u16(0);
    w.u32(2);
    w.u32(0o100644);
    for (let i = 0; i < 5; i++) w.u64(i);
    w.u32(1);
    w.u32(1);
    w.bstr('/a');
    w.u32(0);
    // A regular file's attributes (1.7): blocks not known. What `extra` writes follows them, as a newer minor's would.
    if (kindCode === 1 && minorNow >= 7) {
      w.u8(0);
      w.u64(0);
    }
    extra(w);
    w.end();
  };
const unknownRecord: Rec = (w) => {
  w.begin(4242);
  w.bstr('from the future');
  w.end();
};

function fails(b: Buffer, code: string, re?: RegExp): ImageError {
  try {
    decodeImage(b);
  } catch (e) {
    expect(e).toBeInstanceOf(ImageError);
    expect((e as ImageError).code).toBe(code);
    if (re) expect((e as ImageError).message).toMatch(re);
    return e as ImageError;
  }
  throw new Error('decoded an image that should have failed');
}

/** A TASK of 1.2 with the given flags and fd limit fields, or cut after `cut` of its 16 limit bytes. */
const limitTask = (flags: number, soft: bigint, hard: bigint, cut = 16): Rec =>
  task(1, {
    flags,
    tail: (w) => {
      const b = Buffer.alloc(16);
      b.writeBigUInt64LE(soft, 0);
      b.writeBigUInt64LE(hard, 8);
      w.bytes(b.subarray(0, cut));
    },
  });
const ALL_ONES = 0xffffffffffffffffn;

describe("tasks' pids in their pid namespaces (1.5)", () => {
  /** Its pids (null: the field left out), the last one left out too when `cut`. */
  const nsTask = (pids: number[] | null, cut = false): Rec =>
    task(7, {
      comm: 'c',
      tail: (w) => {
        for (let i = 0; i < 2; i++) w.u64(0);
        if (pids) {
          w.u32(pids.length);
          for (const p of cut ? pids.slice(0, -1) : pids) w.u32(p);
        }
      },
    });
  it('reads them from 1.5; none recorded (0) or an older image leaves them out', () => {
    expect(decodeImage(image([nsTask([7, 3]), taskObjs(0)], { minor: 5 })).tasks[0]!.nsPids).toEqual([7, 3]);
    expect('nsPids' in decodeImage(image([nsTask([]), taskObjs(0)], { minor: 5 })).tasks[0]!).toBe(false);
    expect('nsPids' in decodeImage(image([nsTask(null), taskObjs(0)], { minor: 4 })).tasks[0]!).toBe(false);
  });
  it('an image of 1.5 must hold them, and a list cut short is an error', () => {
    fails(
      image([nsTask(null), taskObjs(0)], { minor: 5 }),
      'bad-length',
      /TASK pids in pid namespaces: the record body ends before it \(the image is format 1\.5\)/,
    );
    fails(image([nsTask([7, 3], true), taskObjs(0)], { minor: 5 }), 'bad-length', /.+/);
  });
  it('round-trips through the writer and JSON', () => {
    const s = decodeImage(image([nsTask([7, 3]), taskObjs(0)], { minor: 5 }));
    const again = decodeImage(encodeSnapshot(s));
    expect(again.tasks[0]!.nsPids).toEqual([7, 3]);
    expect(snapshotToJson(again).tasks).toEqual(snapshotToJson(s).tasks);
    expect(snapshotFromJson(snapshotToJson(s)).tasks[0]!.nsPids).toEqual([7, 3]);
  });
});

describe("tasks' ids in their user namespace (1.6)", () => {
  /** Flags, then uid and gid inside (null: the fields left out; `cut`: the gid left out). */
  const usTask = (flags: number, ids: [number, number] | null, cut = false): Rec =>
    task(7, {
      flags,
      comm: 'c',
      tail: (w) => {
        for (let i = 0; i < 2; i++) w.u64(0);
        w.u32(2);
        w.u32(7);
        w.u32(3);
        if (ids) for (const v of cut ? ids.slice(0, 1) : ids) w.u32(v);
      },
    });
  const USERNS = 4;
  it('reads them from 1.6 where flag bit 2 says so; without it, or in an older image, they are left out', () => {
    const t = decodeImage(image([usTask(USERNS, [0, 5]), taskObjs(0)], { minor: 6 })).tasks[0]!;
    expect(t.userNsIds).toEqual({ uid: 0, gid: 5 });
    expect(t.nsPids).toEqual([7, 3]);
    expect('userNsIds' in decodeImage(image([usTask(0, [0, 0]), taskObjs(0)], { minor: 6 })).tasks[0]!).toBe(false);
    expect('userNsIds' in decodeImage(image([usTask(0, null), taskObjs(0)], { minor: 5 })).tasks[0]!).toBe(false);
  });
  it('an image of 1.6 must hold them, and a pair cut short is an error', () => {
    fails(
      image([usTask(0, null), taskObjs(0)], { minor: 6 }),
      'bad-length',
      /TASK ids in its user namespace: the record body ends before it \(the image is format 1\.6\)/,
    );
    // The uid there, the gid cut: the error names the TASK record and the byte where the gid should start.
    const UID = 0x6d6c6b6a;
    const cut = image([usTask(USERNS, [UID, 5], true), taskObjs(0)], { minor: 6 });
    const at = cut.indexOf(Buffer.from([0x6a, 0x6b, 0x6c, 0x6d])) + 4;
    expect(at).toBeGreaterThan(4);
    const e = fails(cut, 'bad-length', /^bad-length at byte \d+ \(record #1 TASK\): record body ends 0 bytes short of a 4-byte field$/);
    expect(e.offset).toBe(at);
    expect(e.message).toContain(`at byte ${at} `);
  });
  it('round-trips through the writer and JSON, and JSON must give both ids', () => {
    const s = decodeImage(image([usTask(USERNS, [0, 65534]), taskObjs(0)], { minor: 6 }));
    const again = decodeImage(encodeSnapshot(s));
    expect(again.tasks[0]!.userNsIds).toEqual({ uid: 0, gid: 65534 });
    expect(snapshotToJson(again).tasks).toEqual(snapshotToJson(s).tasks);
    const j = snapshotToJson(s) as { tasks: { userNsIds?: Json }[] } & Json;
    expect(snapshotFromJson(j).tasks[0]!.userNsIds).toEqual({ uid: 0, gid: 65534 });
    j.tasks[0]!.userNsIds = { uid: 0 };
    expect(() => snapshotFromJson(j)).toThrow(/tasks\[0\]\.userNsIds\.gid/);
  });
});

describe('zombie tasks (1.3)', () => {
  // A zombie has no cwd or root; used at minors 2 and 3 (fd limit, no pids in pid namespaces).
  const zombieTask = (flags: number): Rec => task(7, { flags, comm: 'z', dir: '' });
  it('reads the flag as a zombie, and a task without it as none only from 1.3', () => {
    const z = decodeImage(image([zombieTask(2), taskObjs(0)], { minor: 3 }));
    expect(z.tasks[0]!.zombie).toBe(true);
    expect(taskStateKnown(z.header)).toBe(true);
    const live = decodeImage(image([zombieTask(0), taskObjs(0)], { minor: 3 }));
    expect('zombie' in live.tasks[0]!).toBe(false);
    const old = decodeImage(image([zombieTask(0), taskObjs(0)], { minor: 2 }));
    expect(taskStateKnown(old.header)).toBe(false);
  });
  it('round-trips through the writer and through JSON, the flag beside a known fd limit', () => {
    const s = decodeImage(image([zombieTask(3), taskObjs(0)], { minor: 3 }));
    expect(s.tasks[0]!.fdLimit).toEqual({ soft: 0, hard: 0 });
    const again = decodeImage(encodeSnapshot(s));
    expect(again.tasks[0]).toEqual(s.tasks[0]);
    const j = snapshotToJson(again) as { tasks: { [k: string]: Json }[] };
    expect(j.tasks[0]!.zombie).toBe(true);
    expect(snapshotFromJson(JSON.parse(JSON.stringify(j)) as Json).tasks[0]!.zombie).toBe(true);
    j.tasks[0]!.zombie = 'yes';
    expect(() => snapshotFromJson(j as Json)).toThrow(/tasks\[0\]\.zombie/);
  });
});

describe('fd limits and kernel limits (1.2)', () => {
  const decodeTask = (t: Rec, minor = 2) => decodeImage(image([t, taskObjs(0)], { minor })).tasks[0]!;

  it('reads a task fd limit only where the flag says it is known', () => {
    expect(decodeTask(limitTask(1, 1024n, 524288n)).fdLimit).toEqual({ soft: 1024, hard: 524288 });
    expect(decodeTask(limitTask(0, 1024n, 524288n)).fdLimit).toBeNull();
  });
  it('all ones is unlimited; any other value past 2^53 is refused', () => {
    expect(decodeTask(limitTask(1, ALL_ONES, ALL_ONES)).fdLimit).toEqual({ soft: null, hard: null });
    fails(
      image([limitTask(1, 1n << 60n, ALL_ONES), taskObjs(0)], { minor: 2 }),
      'bad-value',
      /TASK fd limit \(soft\) 1152921504606846976 is out of range/,
    );
  });
  it('an image of 1.2 or later must hold them; an older one may end before them', () => {
    fails(
      image([limitTask(1, 0n, 0n, 0), taskObjs(0)], { minor: 2 }),
      'bad-length',
      /TASK fd limit: the record body ends before it \(the image is format 1\.2\)/,
    );
    expect(decodeTask(limitTask(1, 0n, 0n, 0), 1).fdLimit).toBeNull();
    // Cut inside the fields: an error whatever the minor.
    for (const minor of [1, 2])
      fails(image([limitTask(1, 5n, 5n, 12), taskObjs(0)], { minor }), 'bad-length', /ends 4 bytes short of a 8-byte field/);
  });
  it('kernel limits: read by name, absent before 1.2, required from it', () => {
    const withLimits = (minor: number, limits: [string, bigint][] | null) => image([], { minor, limits });
    const h = decodeImage(
      withLimits(2, [
        ['fs.file-max', 9223372036854775807n],
        ['fs.nr_open', 1048576n],
        ['__proto__', 1n],
      ]),
    ).header;
    expect(h.kernelLimits['fs.file-max']).toBe(9223372036854775807n);
    expect(h.kernelLimits['fs.nr_open']).toBe(1048576);
    expect(Object.keys(h.kernelLimits)).toContain('__proto__'); // a name, not the prototype
    expect(decodeImage(withLimits(1, null)).header.kernelLimits).toEqual({});
    fails(withLimits(2, null), 'bad-length', /HEADER kernel limits: the record body ends before it/);
  });
  it('round-trips through the writer and through JSON', () => {
    const s = decodeImage(image([limitTask(1, 4096n, ALL_ONES), taskObjs(0)], { minor: 2 }));
    const again = decodeImage(encodeSnapshot(s));
    expect(again.tasks[0]!.fdLimit).toEqual({ soft: 4096, hard: null });
    const j = snapshotToJson(again);
    expect(snapshotFromJson(JSON.parse(JSON.stringify(j)) as Json).tasks[0]!.fdLimit).toEqual({ soft: 4096, hard: null });
  });
  it('JSON of an older image may leave them out; JSON of 1.2 may not', () => {
    const s = decodeImage(image([limitTask(1, 10n, 20n), taskObjs(0)], { minor: 2 }));
    const j = snapshotToJson(s) as { header: { [k: string]: Json }; tasks: { [k: string]: Json }[] };
    delete j.header.kernelLimits;
    delete j.tasks[0]!.fdLimit;
    expect(() => snapshotFromJson(j as Json)).toThrow(/header.kernelLimits: expected an object/);
    j.header.formatMinor = 1;
    const old = snapshotFromJson(j as Json);
    expect(old.tasks[0]!.fdLimit).toBeNull();
    expect(old.header.kernelLimits).toEqual({});
  });
});

describe('forward compatibility', () => {
  it('skips record types it does not know', () => {
    const s = decodeImage(image([unknownRecord, task(1), table(3, 1), file(4), fd(4, 0), unknownRecord, taskObjs(3)]));
    expect(s.tasks[0]!.fdTable).toBe(3);
    expect(s.info.unknownRecords).toBe(2);
    expect(s.header.formatMinor).toBe(7);
  });
  it('keeps a file of an unknown kind with its bytes', () => {
    const s = decodeImage(image([task(1), table(2, 1), file(3, 999, (w) => w.bstr('future attrs')), fd(3, 0), taskObjs(2)]));
    expect(s.files[0]!.kind).toBe('unknown');
    expect(s.files[0]!.unknownKindCode).toBe(999);
    expect(Buffer.from(s.files[0]!.unknownBody!).subarray(4).toString()).toBe('future attrs');
  });
  it('ignores fields a newer minor version appends to a known record', () => {
    const s = decodeImage(image([task(1), table(2, 1), file(3, 1, (w) => w.u64(77)), fd(3, 0), taskObjs(2)]));
    expect(s.files[0]!.path).toBe('/a');
  });
  it('re-encoding an image of a newer minor claims only the minor this writer knows', () => {
    const s = decodeImage(image([task(1), table(2, 1), file(3, 1, (w) => w.u64(77)), fd(3, 0), taskObjs(2)], { minor: 9 }));
    expect(s.header.formatMinor).toBe(9);
    const again = decodeImage(encodeSnapshot(s));
    expect(again.header.formatMinor).toBe(FORMAT_MINOR);
    const noRef = (f: (typeof s.files)[number]) => ({ ...f, ref: 0 }); // refs are renumbered in write order
    expect(again.files.map(noRef)).toEqual(s.files.map(noRef));
  });
  it('refuses a newer major version, saying which', () => {
    fails(image([], { major: 2 }), 'unsupported-version', /image format 2\.7; this version of ckpt reads format 1\.x only/);
  });
});

describe('attributes a later minor version added (since)', () => {
  const ANON = kindByName('anon')!.code;
  const MEMFD = kindByName('memfd')!.code;
  const anonImage = (minor: number, body: (w: RecordWriter) => void = () => {}) =>
    image([task(1), table(2, 1), file(3, ANON, body), fd(3, 0), taskObjs(2)], { minor });

  it("socket's unlisted (1.5): a 1.4 image holds it or not (builds of one day wrote it in 1.4), and both read; 1.5 must hold it", () => {
    const SOCKET = kindByName('socket')!.code;
    const sock = (minor: number, body: (w: RecordWriter) => void) =>
      image([task(1), table(2, 1), file(3, SOCKET, body), fd(3, 0), taskObjs(2)], { minor });
    expect(decodeImage(sock(4, (w) => w.bstr('UNIX-STREAM'))).files[0]!.attrs).toEqual({ family: 'UNIX-STREAM', unlisted: false });
    expect(decodeImage(sock(4, (w) => (w.bstr('UNIX-STREAM'), w.u8(1)))).files[0]!.attrs).toEqual({
      family: 'UNIX-STREAM',
      unlisted: true,
    });
    expect(decodeImage(sock(5, (w) => (w.bstr('TCP'), w.u8(0)))).files[0]!.attrs).toEqual({ family: 'TCP', unlisted: false });
    fails(
      sock(5, (w) => w.bstr('TCP')),
      'bad-length',
      /socket attribute unlisted: the record body ends before it/,
    );
  });
  it("inet-socket's backlog (1.6): a 1.5 listener reads with it not known; 1.6 must hold it", () => {
    const INET = kindByName('inet-socket')!.code;
    const listener = (w: RecordWriter) => {
      w.bstr('tcp');
      w.u8(4);
      w.bstr('LISTEN');
      w.bstr('0.0.0.0');
      w.u16(80);
      w.bstr('0.0.0.0');
      w.u16(0);
      w.u32(0);
      w.u32(2);
    };
    const inet = (minor: number, body: (w: RecordWriter) => void) =>
      image([task(1), table(2, 1), file(3, INET, body), fd(3, 0), taskObjs(2)], { minor });
    const old = decodeImage(inet(5, listener)).files[0]!;
    expect(old.attrs).toMatchObject({ rxQueue: 2, backlogKnown: false, backlog: 0 });
    expect(describeFile(old)).toBe('tcp4 0.0.0.0:80 LISTEN recv-q 2');
    const now = decodeImage(inet(6, (w) => (listener(w), w.u8(1), w.u32(7)))).files[0]!;
    expect(now.attrs).toMatchObject({ rxQueue: 2, backlogKnown: true, backlog: 7 });
    expect(describeFile(now)).toBe('tcp4 0.0.0.0:80 LISTEN accept-q 2 of 7');
    fails(inet(6, listener), 'bad-length', /inet-socket attribute backlogKnown: the record body ends before it/);
  });
  it("memfd's blocks (1.8): a 1.7 memfd reads with them not known, and by its size as before; 1.8 must hold them", () => {
    const mem = (minor: number, body: (w: RecordWriter) => void) =>
      image([task(1), table(2, 1), file(3, MEMFD, body), fd(3, 0), taskObjs(2)], { minor });
    const named = (w: RecordWriter) => w.bstr('jit');
    // file() writes a size of 4 (pos, dev, ino, rdev, size are 0 to 4).
    const old = decodeImage(mem(7, named)).files[0]!;
    expect(old.attrs).toEqual({ name: 'jit', blocksKnown: false, blocks: 0 });
    expect(memoryHeld(old)).toEqual({ bytes: 4, allocated: false });
    expect(describeFile(old)).toBe('memfd:jit (4 B)');
    const now = decodeImage(mem(8, (w) => (named(w), w.u8(1), w.u64(8)))).files[0]!;
    expect(now.attrs).toEqual({ name: 'jit', blocksKnown: true, blocks: 8 });
    expect(memoryHeld(now)).toEqual({ bytes: 4096, allocated: true });
    expect(describeFile(now)).toBe('memfd:jit (4.0 KiB memory held, size 4 B)');
    fails(mem(8, named), 'bad-length', /memfd attribute blocksKnown: the record body ends before it/);
    fails(
      mem(8, (w) => (named(w), w.u8(1), w.u32(8))),
      'bad-length',
      /ends 4 bytes short of a 8-byte field/,
    );
  });
  it('a 1.0 anon file, whose body ends before fdinfo, reads with fdinfo empty', () => {
    const s = decodeImage(anonImage(0));
    expect(s.files[0]!.kind).toBe('anon');
    expect(s.files[0]!.attrs).toEqual({ fdinfo: '' });
  });
  it('a 1.0 image that does hold the field (re-encoded by a newer writer) reads it', () => {
    expect(decodeImage(anonImage(0, (w) => w.bstr('map_id:\t7\n'))).files[0]!.attrs).toEqual({ fdinfo: 'map_id:\t7\n' });
  });
  it('an image of the minor that added it must hold it', () => {
    const e = fails(anonImage(1), 'bad-length', /anon attribute fdinfo: the record body ends before it/);
    expect(e.recordIndex).toBe(3);
    expect(e.recordType).toBe('FILE');
    expect(e.offset).toBeGreaterThan(0);
  });
  it('a body that ends inside the field fails, whatever the minor', () => {
    for (const minor of [0, 1]) {
      fails(
        anonImage(minor, (w) => w.u16(3)),
        'bad-length',
        /ends 2 bytes short of a 4-byte field/,
      );
      const cut = (w: RecordWriter) => {
        w.u32(10);
        w.bytes(Buffer.from('abc'));
      };
      const e = fails(anonImage(minor, cut), 'bad-length', /ends 3 bytes short of a 10-byte field/);
      expect(e.recordIndex).toBe(3);
    }
  });
  it('a field that was there from the start is never optional', () => {
    const e = fails(
      image([task(1), table(2, 1), file(3, MEMFD), fd(3, 0), taskObjs(2)], { minor: 0 }),
      'bad-length',
      /memfd attribute name: the record body ends before it/,
    );
    expect(e.recordIndex).toBe(3);
  });
  it('JSON of a 1.0 image reads the same way; a missing original attribute is still an error', () => {
    const common = {
      ref: 1,
      path: 'anon_inode:bpf-map',
      flags: 2,
      mode: 0,
      pos: 0,
      mntId: 0,
      dev: 15,
      ino: 1,
      rdev: 0,
      size: 0,
      nlink: 1,
      deleted: false,
      sharingInferred: false,
      locks: [],
    };
    expect(fileFromJson({ ...common, kind: 'anon' }).attrs).toEqual({ fdinfo: '' });
    expect(() => fileFromJson({ ...common, kind: 'memfd' })).toThrow(/file\.name: expected an object/);
    expect(snapshotToJson(decodeImage(anonImage(0))).files as Json[]).toEqual([expect.objectContaining({ kind: 'anon', fdinfo: '' })]);
    // Whole snapshots: the header's minor decides, as in the binary form.
    const snap = (minor: number) => {
      const j = snapshotToJson(decodeImage(anonImage(0))) as { header: { formatMinor: number }; files: { fdinfo?: unknown }[] };
      j.header.formatMinor = minor;
      delete j.files[0]!.fdinfo;
      return j as unknown as Json;
    };
    expect(snapshotFromJson(snap(0)).files[0]!.attrs).toEqual({ fdinfo: '' });
    expect(() => snapshotFromJson(snap(1))).toThrow(/files\[0\]\.fdinfo/);
  });
});

describe('structure', () => {
  it('an fd that references a file before it is written', () => {
    const e = fails(image([task(1), table(2, 1), fd(3, 0), file(3), taskObjs(2)]), 'bad-objref', /before any object defines it/);
    expect(e.recordIndex).toBe(3);
    expect(e.offset).toBeGreaterThan(0);
  });
  it('a task pointing at a file instead of a table', () => {
    fails(image([task(1), file(2), taskObjs(2)]), 'bad-objref', /not an fd table/);
  });
  it('an objref defined twice', () => {
    fails(image([file(1), file(1)]), 'bad-objref', /defined twice/);
    fails(image([file(5)]), 'bad-objref', /out of range/);
  });
  it('a table announcing more fds than follow', () => {
    fails(image([task(1), table(2, 2), file(3), fd(3, 0), taskObjs(2)]), 'bad-structure', /still expects 1 FILE_DESC/);
  });
  it('a task without its TASK_OBJS', () => {
    fails(image([task(1), task(2), taskObjs(0)]), 'bad-structure', /before the TASK_OBJS of task 1/);
  });
  it('the same fd twice in one table', () => {
    fails(image([task(1), table(2, 2), file(3), fd(3, 5), fd(3, 5), taskObjs(2)]), 'bad-value', /fd 5 appears twice/);
  });
  it('an empty file and a text file are not images', () => {
    // Said as such, not as a record length read from "hell".
    fails(Buffer.alloc(0), 'not-an-image', /^0 bytes, too few for a checkpoint image$/);
    fails(Buffer.from('hello world, this is not a checkpoint image\n'), 'not-an-image', /^not a checkpoint image \(/);
  });
  it('a wrong checksum names both hashes', () => {
    const b = image([task(1), taskObjs(0)]);
    b.writeUInt8(b.readUInt8(20) ^ 1, 20);
    fails(b, 'checksum-mismatch', /SHA-256 of the image is [0-9a-f]{64}, the TAIL says [0-9a-f]{64}/);
  });
  it('bytes after the tail', () => {
    fails(Buffer.concat([image([]), Buffer.alloc(8)]), 'trailing-data', /8 bytes follow the TAIL/);
  });
});
