/**
 * fast-check arbitraries for whole snapshots: tasks sharing tables, fds
 * sharing open files, every registered kind with schema-valid attributes,
 * byte strings that are and are not UTF-8, 64-bit values on both sides of 2^53.
 */
import fc from 'fast-check';
import { KINDS, type KindSpec, type ScalarField } from '../../src-shared/kinds/index.js';
import {
  FORMAT_MINOR,
  bstrFromBytes,
  type AttrRecord,
  type AttrValue,
  type BStr,
  type OpenFile,
  type Snapshot,
  type U64,
} from '../../src-shared/model/index.js';

export const u64 = (): fc.Arbitrary<U64> =>
  fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER), fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }));

const wellFormed = fc.string({ unit: 'grapheme', maxLength: 24 }).filter((s) => s.isWellFormed());
export const bstr = (): fc.Arbitrary<BStr> =>
  fc.oneof(
    wellFormed,
    fc.uint8Array({ maxLength: 24 }).map((b) => bstrFromBytes(b)),
    fc.constantFrom('/tmp/a\nb', '<script>x</script>', '/x (deleted)'),
  );

function scalar(f: ScalarField, fileRefs: number[]): fc.Arbitrary<AttrValue> {
  switch (f.type) {
    case 'u8':
      return fc.integer({ min: 0, max: 255 });
    case 'u16':
      return fc.integer({ min: 0, max: 65535 });
    case 'u32':
      return fc.nat({ max: 0xffffffff });
    case 'i32':
      return fc.integer({ min: -0x80000000, max: 0x7fffffff });
    case 'u64':
      return u64();
    case 'bool':
      return fc.boolean();
    case 'bstr':
      return bstr();
    case 'objref':
      return fileRefs.length ? fc.oneof(fc.constant(0), fc.constantFrom(...fileRefs)) : fc.constant(0);
  }
}

function attrs(spec: KindSpec, fileRefs: number[]): fc.Arbitrary<AttrRecord> {
  const rec: Record<string, fc.Arbitrary<AttrValue>> = {};
  for (const f of spec.fields) {
    if (f.type === 'list') {
      const item: Record<string, fc.Arbitrary<AttrValue>> = {};
      for (const s of f.of) item[s.name] = scalar(s, fileRefs);
      rec[f.name] = fc.array(fc.record(item), { maxLength: 3 }) as fc.Arbitrary<AttrValue>;
    } else rec[f.name] = scalar(f, fileRefs);
  }
  return fc.record(rec) as fc.Arbitrary<AttrRecord>;
}

/** Files whose objref attributes point only at files earlier in the list, so there is no cycle. */
function files(n: number, refBase: number): fc.Arbitrary<OpenFile[]> {
  const one = (i: number): fc.Arbitrary<OpenFile> =>
    fc.constantFrom(...KINDS).chain((spec) =>
      fc.record({
        ref: fc.constant(refBase + i),
        kind: fc.constant(spec.name),
        path: bstr(),
        flags: fc.nat({ max: 0o37777777 }),
        mode: fc.nat({ max: 0o177777 }),
        pos: u64(),
        mntId: fc.nat({ max: 0xffffffff }),
        dev: u64(),
        ino: u64(),
        rdev: u64(),
        size: u64(),
        nlink: fc.nat({ max: 0xffffffff }),
        deleted: fc.boolean(),
        sharingInferred: fc.boolean(),
        locks: fc.array(
          fc.record({
            kind: fc.constantFrom('posix', 'flock', 'ofd', 'lease') as fc.Arbitrary<'posix'>,
            write: fc.boolean(),
            pid: fc.integer({ min: -1, max: 1 << 22 }),
            start: u64(),
            end: fc.option(fc.nat(), { nil: null }),
          }),
          { maxLength: 2 },
        ),
        attrs: attrs(
          spec,
          Array.from({ length: i }, (_, k) => refBase + k),
        ),
      }),
    );
  return fc.tuple(...Array.from({ length: n }, (_, i) => one(i)));
}

export const snapshot = (): fc.Arbitrary<Snapshot> =>
  fc
    .record({ nfiles: fc.integer({ min: 1, max: 12 }), ntables: fc.integer({ min: 0, max: 4 }), ntasks: fc.integer({ min: 0, max: 6 }) })
    .chain(({ nfiles, ntables, ntasks }) =>
      fc.record({
        files: files(nfiles, 1000),
        tables: fc.array(
          fc.record({
            fds: fc.uniqueArray(
              fc.record({ fd: fc.nat({ max: 70000 }), file: fc.integer({ min: 1000, max: 1000 + nfiles - 1 }), cloexec: fc.boolean() }),
              {
                selector: (d) => d.fd,
                maxLength: 10,
              },
            ),
            sharingInferred: fc.boolean(),
          }),
          { minLength: ntables, maxLength: ntables },
        ),
        tasks: fc.array(
          fc.record({
            pid: fc.integer({ min: 1, max: 4194304 }),
            tgid: fc.integer({ min: 1, max: 4194304 }),
            ppid: fc.nat({ max: 4194304 }),
            uid: fc.nat({ max: 0xffffffff }),
            gid: fc.nat({ max: 0xffffffff }),
            comm: bstr(),
            cmdline: fc.array(bstr(), { maxLength: 3 }),
            cwd: bstr(),
            root: bstr(),
            namespaces: fc.array(fc.record({ type: fc.constantFrom('net', 'mnt', 'pid', 'user'), ino: u64() }), { maxLength: 3 }),
            tableIndex: fc.integer({ min: -1, max: ntables - 1 }),
            fdLimit: fc.option(
              fc.record({ soft: fc.option(fc.nat({ max: 1 << 30 }), { nil: null }), hard: fc.option(fc.nat(), { nil: null }) }),
              {
                nil: null,
              },
            ),
            // 1.5 and 1.6: pids in pid namespaces (a thread's too), ids in a user namespace; either may be absent.
            nsPids: fc.option(fc.array(fc.integer({ min: 1, max: 4194304 }), { minLength: 1, maxLength: 4 }), { nil: undefined }),
            userNsIds: fc.option(fc.record({ uid: fc.nat({ max: 0xffffffff }), gid: fc.nat({ max: 0xffffffff }) }), { nil: undefined }),
          }),
          { maxLength: ntasks },
        ),
        header: fc.record({
          formatMajor: fc.constant(1),
          // A model this writer can write faithfully: minors up to its own (a newer
          // one is written as this writer's minor: compat.test.ts).
          formatMinor: fc.nat({ max: FORMAT_MINOR }),
          arch: fc.constantFrom('x86_64', 'aarch64'),
          kernelRelease: wellFormed,
          hostname: wellFormed,
          captureTime: fc.nat({ max: 4102444800000 }),
          source: fc.constantFrom('proc', 'sim', 'criu') as fc.Arbitrary<'proc'>,
          frozen: fc.boolean(),
          options: fc.dictionary(wellFormed, wellFormed, { maxKeys: 3 }),
          kernelLimits: fc.dictionary(wellFormed, u64(), { maxKeys: 3 }),
        }),
        errors: fc.array(
          fc.record({
            errno: fc.constantFrom('EACCES', 'ESRCH', 'ENOENT', ''),
            pid: fc.nat(),
            fd: fc.integer({ min: -1, max: 1000 }),
            where: bstr(),
            message: wellFormed,
          }),
          { maxLength: 3 },
        ),
      }),
    )
    .map(({ files, tables, tasks, header, errors }) => ({
      header,
      files,
      fdTables: tables.map((t, i) => ({ ref: 500 + i, ...t })),
      tasks: tasks.map(({ tableIndex, nsPids, userNsIds, ...t }) => ({
        ...t,
        fdTable: tableIndex < 0 ? 0 : 500 + tableIndex,
        // Absent, not undefined: a decoded task has no key for them.
        ...(nsPids ? { nsPids } : {}),
        ...(userNsIds ? { userNsIds } : {}),
      })),
      errors,
    }));
