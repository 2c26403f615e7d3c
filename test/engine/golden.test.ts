/**
 * The committed golden image pins format v1: its bytes must decode to the
 * committed JSON, and that JSON must encode to exactly those bytes. An
 * accidental change to the writer, the reader or a kind's layout fails here;
 * a deliberate one updates both files and docs/image-format.md together,
 * regenerating them with the CLI:
 *   ckpt capture --sim everything --seed 7 --time 2026-01-01T00:00:00Z -o test/fixtures/golden-everything.ckpt
 *   ckpt show test/fixtures/golden-everything.ckpt --json > test/fixtures/golden-everything.json
 * Images of earlier minor versions stay as golden-everything-1.N.* and must
 * keep decoding.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src-main/engine/reader.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { snapshotFromJson, snapshotToJson, taskStateKnown, type Json } from '../../src-shared/model/index.js';
import { simulate } from '../../src-main/sim/index.js';

const dir = join(__dirname, '..', 'fixtures');
const bytes = readFileSync(join(dir, 'golden-everything.ckpt'));
const json = JSON.parse(readFileSync(join(dir, 'golden-everything.json'), 'utf8')) as Json;

describe('golden image', () => {
  it('decodes to the committed JSON', () => {
    expect(snapshotToJson(decodeImage(bytes))).toEqual(json);
  });
  it('the committed JSON encodes to the committed bytes', () => {
    expect(encodeSnapshot(snapshotFromJson(json)).equals(bytes)).toBe(true);
  });
  it('holds every kind and the hostile name as exact bytes', () => {
    const s = decodeImage(bytes);
    expect(new Set(s.files.map((f) => f.kind)).size).toBeGreaterThanOrEqual(23);
    const raw = s.files.map((f) => f.path).find((p) => p instanceof Uint8Array) as Uint8Array;
    expect(Buffer.from(raw).toString('hex')).toContain('fffe');
  });
  it('is still what the everything scenario produces (or the fixture is stale)', () => {
    const again = encodeSnapshot(simulate({ scenario: 'everything', seed: 7, time: Date.parse('2026-01-01T00:00:00Z') }));
    expect(again.equals(bytes)).toBe(true);
  });
});

type OldJson = { [k: string]: Json; header: { [k: string]: Json }; tasks: { [k: string]: Json }[]; files: { [k: string]: Json }[] };

/** The committed image of an older format (`v`: "1.3") and its JSON, as `ckpt show --json` wrote it then. */
const oldBytes = (v: string) => readFileSync(join(dir, `golden-everything-${v}.ckpt`));
const oldJsonOf = (v: string) => JSON.parse(readFileSync(join(dir, `golden-everything-${v}.json`), 'utf8')) as OldJson;

/** 1.8 appended memfds' allocated blocks: older images read with them not known. */
const without18 = (j: OldJson): OldJson => ({
  ...j,
  files: j.files.map((f) => (f.kind === 'memfd' ? { ...f, blocksKnown: false, blocks: 0 } : f)),
});

/** 1.7 appended regular files' allocated blocks and unix sockets' backlog and pending listener: older images read with them not known (and without 1.8's memfd blocks). */
const without17 = (j: OldJson): OldJson =>
  without18({
    ...j,
    files: j.files.map((f) =>
      f.kind === 'regular'
        ? { ...f, blocksKnown: false, blocks: 0 }
        : f.kind === 'unix-socket'
          ? { ...f, backlogKnown: false, backlog: 0, pendingOn: 0 }
          : f,
    ),
  });

/** 1.6 appended inet sockets' listen backlog: older images read with it not known (and without 1.7's blocks and unix backlogs). */
const withoutBacklogs = (j: OldJson): OldJson =>
  without17({
    ...j,
    files: j.files.map((f) => (f.kind === 'inet-socket' ? { ...f, backlogKnown: false, backlog: 0 } : f)),
  });

/** 1.4 appended unix sockets' queues and generic sockets' unlisted mark: older images read with them 0 and false (and without 1.6's backlogs). */
const withoutUnixQueues = (j: OldJson): OldJson =>
  withoutBacklogs({
    ...j,
    files: j.files.map((f) =>
      f.kind === 'unix-socket' ? { ...f, txQueue: 0, rxQueue: 0 } : f.kind === 'socket' ? { ...f, unlisted: false } : f,
    ),
  });

/** 1.2 added tasks' fd limits and the header's kernel limits: older images read with them unknown (and without 1.4's queues). */
const withoutLimits = (j: OldJson): OldJson =>
  withoutUnixQueues({
    ...j,
    header: { ...j.header, kernelLimits: {} },
    tasks: j.tasks.map((t) => ({ ...t, fdLimit: null })),
  });

/** 1.5 added tasks' pids in their pid namespaces: older images read without them (no key). */
const withoutNsPids = (j: OldJson): OldJson => ({ ...j, tasks: j.tasks.map(({ nsPids: _, ...t }) => t) });

/** 1.6 added tasks' ids in their user namespace: older images read without them (no key). */
const withoutUserNsIds = (j: OldJson): OldJson => ({ ...j, tasks: j.tasks.map(({ userNsIds: _, ...t }) => t) });

describe('golden image of format 1.7', () => {
  const old = oldBytes('1.7');
  const oldJson = oldJsonOf('1.7');
  const asRead = without18(oldJson);

  it('still decodes, as it did: no memfd has its allocated blocks', () => {
    const s = decodeImage(old);
    expect(s.header.formatMinor).toBe(7);
    const mem = s.files.filter((f) => f.kind === 'memfd');
    expect(mem.length).toBeGreaterThan(0);
    expect(mem.every((f) => f.attrs.blocksKnown === false && f.attrs.blocks === 0)).toBe(true);
    expect(snapshotToJson(s)).toEqual(asRead);
  });
  it('its JSON still reads, the same way', () => {
    expect(snapshotToJson(snapshotFromJson(oldJson))).toEqual(asRead);
  });
  it('re-encoded by this writer, reads the same, its minor kept', () => {
    // A newer writer keeps the image's minor and writes the memfds' 1.8 attributes, empty (docs/image-format.md).
    const again = decodeImage(encodeSnapshot(decodeImage(old)));
    expect(again.header.formatMinor).toBe(7);
    expect(snapshotToJson(again)).toEqual(asRead);
  });
  it('differs from the 1.8 image only by its minor (the simulation records no memfd blocks)', () => {
    const now = snapshotToJson(decodeImage(bytes)) as OldJson;
    expect(now.files.filter((f) => f.kind === 'memfd').every((f) => f.blocksKnown === false)).toBe(true);
    expect({ ...now, header: { ...now.header, formatMinor: 7 } }).toEqual(asRead);
  });
});

describe('golden image of format 1.6', () => {
  const old = oldBytes('1.6');
  const oldJson = oldJsonOf('1.6');
  const asRead = without17(oldJson);

  it('still decodes, as it did: no regular file has its allocated blocks, no unix listener its backlog, no client its listener', () => {
    const s = decodeImage(old);
    expect(s.header.formatMinor).toBe(6);
    const reg = s.files.filter((f) => f.kind === 'regular');
    expect(reg.length).toBeGreaterThan(0);
    expect(reg.every((f) => f.attrs.blocksKnown === false && f.attrs.blocks === 0)).toBe(true);
    const unix = s.files.filter((f) => f.kind === 'unix-socket');
    expect(unix.length).toBeGreaterThan(0);
    expect(unix.every((f) => f.attrs.backlogKnown === false && f.attrs.backlog === 0 && f.attrs.pendingOn === 0)).toBe(true);
    expect(snapshotToJson(s)).toEqual(asRead);
  });
  it('its JSON still reads, the same way', () => {
    expect(snapshotToJson(snapshotFromJson(oldJson))).toEqual(asRead);
  });
  it("differs from the 1.7 image only by its minor, the control listener's queue, the two files 1.7 added (a deleted sparse log, a client not yet accepted) and its TCP connections' inodes", () => {
    const now = snapshotToJson(decodeImage(oldBytes('1.7'))) as OldJson;
    const listener = now.files.find((f) => f.kind === 'unix-socket' && f.listening === true)!;
    expect(listener).toMatchObject({ rxQueue: 1, backlogKnown: true, backlog: 16 });
    const sparse = now.files.find((f) => f.path === '/var/log/kitchen/sparse.log')!;
    expect(sparse).toMatchObject({ deleted: true, size: 50 * 2 ** 30, blocksKnown: true, blocks: 8 });
    const client = now.files.find((f) => f.kind === 'unix-socket' && f.pendingOn === listener.ino)!;
    expect(client).toMatchObject({ state: 'CONNECTED', peer: 0 });
    // Objrefs count in write order, so the child's table and files after the new ones are numbered one or two up: compared without them.
    const added = new Set([sparse.ref, client.ref]);
    // And the simulation gives each TCP connection an inode of its own since (from its ends, as a
    // connection keeps its inode and a new one gets another): their inodes and link texts differ.
    const conn = (f: OldJson['files'][number]) => f.kind === 'inet-socket' && f.proto === 'tcp' && Number(f.remotePort) > 0;
    const sansRefs = (files: OldJson['files']) => files.map(({ ref: _r, watches: _w, ...f }) => (conn(f) ? { ...f, ino: 0, path: '' } : f));
    const sans = without17({ ...now, header: { ...now.header, formatMinor: 6 } });
    // The simulation counts the machine's file handles from its files: two more.
    expect(sans.header).toEqual({ ...asRead.header, kernelLimits: { ...(asRead.header.kernelLimits as object), 'fs.file-nr': 1220 } });
    expect(sans.tasks.map(({ fdTable: _, ...t }) => t)).toEqual(asRead.tasks.map(({ fdTable: _, ...t }) => t));
    expect(sansRefs(sans.files.filter((f) => !added.has(f.ref)).map((f) => (f.ref === listener.ref ? { ...f, rxQueue: 0 } : f)))).toEqual(
      sansRefs(asRead.files),
    );
  });
});

describe('golden image of format 1.5', () => {
  const old = oldBytes('1.5');
  const oldJson = oldJsonOf('1.5');
  const asRead = withoutBacklogs(oldJson);

  it('still decodes, as it did: no task says its ids in a user namespace, no listener its backlog', () => {
    const s = decodeImage(old);
    expect(s.header.formatMinor).toBe(5);
    expect(s.tasks.some((t) => 'userNsIds' in t)).toBe(false);
    const inet = s.files.filter((f) => f.kind === 'inet-socket');
    expect(inet.length).toBeGreaterThan(0);
    expect(inet.every((f) => f.attrs.backlogKnown === false && f.attrs.backlog === 0)).toBe(true);
    expect(snapshotToJson(s)).toEqual(asRead);
  });
  it('its JSON still reads, the same way', () => {
    expect(snapshotToJson(snapshotFromJson(oldJson))).toEqual(asRead);
  });
  it("differs from the 1.6 image only by its minor, the container child's uid inside (host uid 100000 is its root) and the 8443 listener's accept queue", () => {
    const now = oldJsonOf('1.6');
    expect(now.tasks.map((t) => t.userNsIds ?? null)).toEqual([null, { uid: 0, gid: 0 }]);
    expect(now.tasks.map((t) => t.uid)).toEqual([0, 100000]);
    const listener = now.files.find((f) => f.kind === 'inet-socket' && f.localPort === 8443 && f.state === 'LISTEN')!;
    expect(listener).toMatchObject({ rxQueue: 3, backlogKnown: true, backlog: 128 });
    const sans = withoutBacklogs(withoutUserNsIds({ ...now, header: { ...now.header, formatMinor: 5 } }));
    expect({
      ...sans,
      tasks: sans.tasks.map((t) => (t.pid === 6001 ? { ...t, uid: 0, gid: 0 } : t)),
      files: sans.files.map((f) => (f.ref === listener.ref ? { ...f, rxQueue: 0 } : f)),
    }).toEqual(asRead);
  });
});

describe('golden image of format 1.4', () => {
  const old = oldBytes('1.4');
  const oldJson = oldJsonOf('1.4');

  it('still decodes, as it did: no task says its pids in pid namespaces', () => {
    const s = decodeImage(old);
    expect(s.header.formatMinor).toBe(4);
    expect(s.tasks.some((t) => 'nsPids' in t)).toBe(false);
    expect(snapshotToJson(s)).toEqual(withoutBacklogs(oldJson));
    expect(snapshotToJson(snapshotFromJson(oldJson))).toEqual(withoutBacklogs(oldJson));
  });
  it("differs from the 1.5 image only by its minor and the container child's pids (6001 is pid 1 inside)", () => {
    const now = snapshotToJson(decodeImage(oldBytes('1.5'))) as OldJson;
    expect(now.tasks.map((t) => t.nsPids ?? null)).toEqual([null, [6001, 1]]);
    expect(withoutNsPids({ ...now, header: { ...now.header, formatMinor: 4 } })).toEqual(withoutBacklogs(oldJson));
  });
});

describe('golden image of format 1.3', () => {
  const old = oldBytes('1.3');
  const oldJson = oldJsonOf('1.3');
  const asRead = withoutUnixQueues(oldJson);

  it('still decodes, its unix sockets with empty queues', () => {
    const s = decodeImage(old);
    expect(s.header.formatMinor).toBe(3);
    const unix = s.files.filter((f) => f.kind === 'unix-socket');
    expect(unix.length).toBeGreaterThan(0);
    expect(unix.every((f) => f.attrs.txQueue === 0 && f.attrs.rxQueue === 0)).toBe(true);
    expect(snapshotToJson(s)).toEqual(asRead);
  });
  it('its JSON still reads, the same way', () => {
    expect(snapshotToJson(snapshotFromJson(oldJson))).toEqual(asRead);
  });
  it('differs from the 1.4 image only by its minor and what 1.4 added (the scenario has no queue and no unlisted socket)', () => {
    const now = snapshotToJson(decodeImage(oldBytes('1.4'))) as OldJson;
    expect({ ...now, header: { ...now.header, formatMinor: 3 } }).toEqual(asRead);
  });
});

describe('golden image of format 1.2', () => {
  const old = oldBytes('1.2');
  const oldJson = oldJsonOf('1.2');

  it('still decodes, as it did: its tasks are not zombies, though the image cannot say so', () => {
    const s = decodeImage(old);
    expect(s.header.formatMinor).toBe(2);
    expect(taskStateKnown(s.header)).toBe(false);
    expect(s.tasks.some((t) => 'zombie' in t)).toBe(false);
    expect(snapshotToJson(s)).toEqual(withoutUnixQueues(oldJson));
    expect(snapshotToJson(snapshotFromJson(oldJson))).toEqual(withoutUnixQueues(oldJson));
  });
  it('differs from the 1.3 image only by its minor (the scenario has no zombie)', () => {
    const old13 = oldBytes('1.3');
    const now = snapshotToJson(decodeImage(old13)) as OldJson;
    expect(taskStateKnown(decodeImage(old13).header)).toBe(true);
    expect(withoutUnixQueues({ ...now, header: { ...now.header, formatMinor: 2 } })).toEqual(withoutUnixQueues(oldJson));
  });
});

describe('golden image of format 1.1', () => {
  const old = oldBytes('1.1');
  const oldJson = oldJsonOf('1.1');
  const asRead = withoutLimits(oldJson);

  it('still decodes, with no fd limits and no kernel limits', () => {
    const s = decodeImage(old);
    expect(s.header.formatMinor).toBe(1);
    expect(s.tasks.length).toBeGreaterThan(0);
    expect(s.tasks.every((t) => t.fdLimit === null)).toBe(true);
    expect(s.header.kernelLimits).toEqual({});
    expect(snapshotToJson(s)).toEqual(asRead);
  });
  it('its JSON still reads, the same way', () => {
    expect(snapshotToJson(snapshotFromJson(oldJson))).toEqual(asRead);
  });
  it('differs from the 1.2 image only by the limits', () => {
    const now = oldJsonOf('1.2');
    const sansLimits = withoutLimits({ ...now, header: { ...now.header, formatMinor: 1 } });
    // The everything scenario's child raised its soft limit in 1.2's scenario; nothing else changed.
    expect(sansLimits).toEqual(asRead);
  });
});

describe('golden image of format 1.0', () => {
  const old = oldBytes('1.0');
  const oldJson = oldJsonOf('1.0');
  // 1.1 appended fdinfo to anon files: readers of 1.1 give 1.0 files an empty one.
  const asRead = withoutLimits({ ...oldJson, files: oldJson.files.map((f) => (f.kind === 'anon' ? { ...f, fdinfo: '' } : f)) });

  it('still decodes, anon files with an empty fdinfo', () => {
    const s = decodeImage(old);
    expect(s.header.formatMinor).toBe(0);
    expect(s.files.filter((f) => f.kind === 'anon').length).toBeGreaterThan(0);
    expect(snapshotToJson(s)).toEqual(asRead);
  });
  it('its JSON still reads, the same way', () => {
    expect(snapshotToJson(snapshotFromJson(oldJson))).toEqual(asRead);
  });
});
