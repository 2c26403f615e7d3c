/**
 * The JSON form of a snapshot (`ckpt show --json`, reports, the API): byte
 * strings that are not UTF-8 become {text, hex}; 64-bit values above 2^53
 * become decimal strings; byte attributes become hex. docs/cli.md documents
 * the shape; it changes only with the format's minor version.
 */
import { emptyValue, kindByName, type ScalarField } from '../kinds/index.js';
import { bstrFromJson, bstrToJson, bytesToHex, hexToBytes, type BStr } from './bstr.js';
import {
  LIMITS_SINCE,
  type AttrRecord,
  type AttrValue,
  type CaptureError,
  type FdLimit,
  type FileLock,
  type OpenFile,
  type Snapshot,
  type Task,
  type U64,
} from './snapshot.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function u64ToJson(v: U64): number | string {
  return typeof v === 'bigint' ? v.toString() : v;
}

function attrToJson(v: AttrValue): Json {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return bstrToJson(v);
  if (Array.isArray(v)) return v.map(attrsToJson);
  return v;
}

export function attrsToJson(a: AttrRecord): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  for (const k of Object.keys(a)) out[k] = attrToJson(a[k]!);
  return out;
}

function lockToJson(l: FileLock): Json {
  return { kind: l.kind, write: l.write, pid: l.pid, start: u64ToJson(l.start), end: l.end === null ? null : u64ToJson(l.end) };
}

/** A file as one flat object: the common fields, then the kind's attributes. */
export function fileToJson(f: OpenFile): { [k: string]: Json } {
  const out: { [k: string]: Json } = {
    ref: f.ref,
    kind: f.kind,
    path: bstrToJson(f.path),
    flags: f.flags,
    mode: f.mode,
    pos: u64ToJson(f.pos),
    mntId: f.mntId,
    dev: u64ToJson(f.dev),
    ino: u64ToJson(f.ino),
    rdev: u64ToJson(f.rdev),
    size: u64ToJson(f.size),
    nlink: f.nlink,
    deleted: f.deleted,
    sharingInferred: f.sharingInferred,
    locks: f.locks.map(lockToJson),
    ...attrsToJson(f.attrs),
  };
  if (f.kind === 'unknown') {
    out.unknownKindCode = f.unknownKindCode ?? 0;
    out.unknownBody = bytesToHex(f.unknownBody ?? new Uint8Array());
  }
  return out;
}

export function taskToJson(t: Task): { [k: string]: Json } {
  return {
    pid: t.pid,
    tgid: t.tgid,
    ppid: t.ppid,
    uid: t.uid,
    gid: t.gid,
    comm: bstrToJson(t.comm),
    cmdline: t.cmdline.map((a: BStr) => bstrToJson(a)),
    cwd: bstrToJson(t.cwd),
    root: bstrToJson(t.root),
    namespaces: t.namespaces.map((n) => ({ type: n.type, ino: u64ToJson(n.ino) })),
    fdTable: t.fdTable,
    // null: not known; a limit of null: unlimited.
    fdLimit: t.fdLimit ? { soft: t.fdLimit.soft, hard: t.fdLimit.hard } : null,
    // Only where it is one: the JSON of every other task stays as it was.
    ...(t.zombie ? { zombie: true } : {}),
    ...(t.nsPids ? { nsPids: [...t.nsPids] } : {}),
    ...(t.userNsIds ? { userNsIds: { uid: t.userNsIds.uid, gid: t.userNsIds.gid } } : {}),
  };
}

export function errorToJson(e: CaptureError): { [k: string]: Json } {
  return { errno: e.errno, pid: e.pid, fd: e.fd, where: bstrToJson(e.where), message: e.message };
}

/** The header's kernel limits by sysctl name, u64s as JSON numbers or decimal strings. */
export function kernelLimitsToJson(limits: Record<string, U64>): Record<string, number | string> {
  return Object.fromEntries(Object.entries(limits).map(([k, v]) => [k, u64ToJson(v)]));
}

export function snapshotToJson(s: Snapshot): { [k: string]: Json } {
  return {
    header: {
      ...s.header,
      options: { ...s.header.options },
      kernelLimits: kernelLimitsToJson(s.header.kernelLimits),
    },
    tasks: s.tasks.map(taskToJson),
    fdTables: s.fdTables.map((t) => ({
      ref: t.ref,
      sharingInferred: t.sharingInferred,
      fds: t.fds.map((d) => ({ fd: d.fd, file: d.file, cloexec: d.cloexec })),
    })),
    files: s.files.map(fileToJson),
    errors: s.errors.map(errorToJson),
  };
}

/* ---- and back: the JSON form read into a model (reports, fixtures, the UI) ---- */

type JsonObj = { [k: string]: Json };

export class JsonModelError extends Error {
  override readonly name = 'JsonModelError';
}

function obj(j: Json | undefined, where: string): JsonObj {
  if (j === null || typeof j !== 'object' || Array.isArray(j)) throw new JsonModelError(`${where}: expected an object`);
  return j;
}
function arr(j: Json | undefined, where: string): Json[] {
  if (!Array.isArray(j)) throw new JsonModelError(`${where}: expected an array`);
  return j;
}
function num(j: Json | undefined, where: string): number {
  if (typeof j !== 'number' || !Number.isFinite(j)) throw new JsonModelError(`${where}: expected a number`);
  return j;
}
/** A u32 field's value, refused where the JSON is read so the error names the field (the image writer refuses it too, but at encode and without saying where). */
function u32(j: Json | undefined, where: string): number {
  const n = num(j, where);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff)
    throw new JsonModelError(`${where}: expected an integer from 0 to 4294967295, got ${n}`);
  return n;
}
function str(j: Json | undefined, where: string): string {
  if (typeof j !== 'string') throw new JsonModelError(`${where}: expected a string`);
  return j;
}
function bool(j: Json | undefined, where: string): boolean {
  if (typeof j !== 'boolean') throw new JsonModelError(`${where}: expected a boolean`);
  return j;
}
export function u64FromJson(j: Json | undefined, where: string): U64 {
  if (typeof j === 'number') return num(j, where);
  if (typeof j === 'string' && /^\d+$/.test(j)) {
    const b = BigInt(j);
    return b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
  }
  throw new JsonModelError(`${where}: expected an unsigned integer`);
}
function bstrJ(j: Json | undefined, where: string): BStr {
  if (typeof j === 'string') return j;
  const o = obj(j, where);
  return bstrFromJson({ text: str(o.text, where + '.text'), hex: str(o.hex, where + '.hex') });
}

function scalarFromJson(f: ScalarField, j: Json | undefined, where: string): AttrValue {
  switch (f.type) {
    case 'u64':
      return u64FromJson(j, where);
    case 'bool':
      return bool(j, where);
    case 'bstr':
      return bstrJ(j, where);
    default:
      return num(j, where);
  }
}

/** `minor`: the format minor the JSON was written at (0 when unknown: a lone file). */
export function attrsFromJson(kind: string, o: JsonObj, where: string, minor = 0): AttrRecord {
  const spec = kindByName(kind);
  const out: AttrRecord = {};
  if (!spec) return out;
  for (const f of spec.fields) {
    // JSON written from an image older than the field (see KindSpec's since);
    // one of the minor that added it must hold it, as in the binary form.
    if (f.since && o[f.name] === undefined && minor < f.since) {
      out[f.name] = emptyValue(f);
      continue;
    }
    if (f.type === 'list') {
      out[f.name] = arr(o[f.name], `${where}.${f.name}`).map((item, i) => {
        const io = obj(item, `${where}.${f.name}[${i}]`);
        const rec: AttrRecord = {};
        for (const s of f.of) rec[s.name] = scalarFromJson(s, io[s.name], `${where}.${f.name}[${i}].${s.name}`);
        return rec;
      });
    } else out[f.name] = scalarFromJson(f, o[f.name], `${where}.${f.name}`);
  }
  return out;
}

export function fileFromJson(j: Json, where = 'file', minor = 0): OpenFile {
  const o = obj(j, where);
  const kind = str(o.kind, `${where}.kind`);
  const f: OpenFile = {
    ref: num(o.ref, `${where}.ref`),
    kind,
    path: bstrJ(o.path, `${where}.path`),
    flags: num(o.flags, `${where}.flags`),
    mode: num(o.mode, `${where}.mode`),
    pos: u64FromJson(o.pos, `${where}.pos`),
    mntId: num(o.mntId, `${where}.mntId`),
    dev: u64FromJson(o.dev, `${where}.dev`),
    ino: u64FromJson(o.ino, `${where}.ino`),
    rdev: u64FromJson(o.rdev, `${where}.rdev`),
    size: u64FromJson(o.size, `${where}.size`),
    nlink: num(o.nlink, `${where}.nlink`),
    deleted: bool(o.deleted, `${where}.deleted`),
    sharingInferred: bool(o.sharingInferred, `${where}.sharingInferred`),
    locks: arr(o.locks, `${where}.locks`).map((l, i) => {
      const lo = obj(l, `${where}.locks[${i}]`);
      return {
        kind: str(lo.kind, 'lock.kind') as FileLock['kind'],
        write: bool(lo.write, 'lock.write'),
        pid: num(lo.pid, 'lock.pid'),
        start: u64FromJson(lo.start, 'lock.start'),
        end: lo.end === null ? null : u64FromJson(lo.end, 'lock.end'),
      };
    }),
    attrs: attrsFromJson(kind, o, where, minor),
  };
  if (kind === 'unknown') {
    f.unknownKindCode = num(o.unknownKindCode, `${where}.unknownKindCode`);
    f.unknownBody = hexToBytes(str(o.unknownBody, `${where}.unknownBody`));
  }
  return f;
}

/** One RLIMIT_NOFILE value: a count, or null for unlimited. */
function limitFromJson(j: Json | undefined, where: string): number | null {
  if (j === null) return null;
  const n = num(j, where);
  if (!Number.isSafeInteger(n) || n < 0) throw new JsonModelError(`${where}: expected a count or null (unlimited)`);
  return n;
}

/** A task's fdLimit: null where not known, else its soft and hard limits. */
function fdLimitFromJson(j: Json | undefined, where: string): FdLimit | null {
  if (j === null) return null;
  const l = obj(j, where);
  return { soft: limitFromJson(l.soft, `${where}.soft`), hard: limitFromJson(l.hard, `${where}.hard`) };
}

function userNsIdsFromJson(j: Json | undefined, where: string): { uid: number; gid: number } {
  const o = obj(j, where);
  return { uid: u32(o.uid, `${where}.uid`), gid: u32(o.gid, `${where}.gid`) };
}

export function snapshotFromJson(j: Json): Snapshot {
  const o = obj(j, 'snapshot');
  const h = obj(o.header, 'header');
  const opts = obj(h.options, 'header.options');
  const minor = num(h.formatMinor, 'header.formatMinor');
  // The limits (LIMITS_SINCE) may be missing from JSON of an older image (as kind attributes with a since).
  const absentLimit = (v: Json | undefined) => v === undefined && minor < LIMITS_SINCE;
  const limits = absentLimit(h.kernelLimits) ? {} : obj(h.kernelLimits, 'header.kernelLimits');
  return {
    header: {
      formatMajor: num(h.formatMajor, 'header.formatMajor'),
      formatMinor: num(h.formatMinor, 'header.formatMinor'),
      arch: str(h.arch, 'header.arch'),
      kernelRelease: str(h.kernelRelease, 'header.kernelRelease'),
      hostname: str(h.hostname, 'header.hostname'),
      captureTime: num(h.captureTime, 'header.captureTime'),
      source: str(h.source, 'header.source') as Snapshot['header']['source'],
      frozen: bool(h.frozen, 'header.frozen'),
      options: Object.fromEntries(Object.entries(opts).map(([k, v]) => [k, str(v, `header.options.${k}`)])),
      kernelLimits: Object.fromEntries(Object.entries(limits).map(([k, v]) => [k, u64FromJson(v, `header.kernelLimits.${k}`)])),
    },
    tasks: arr(o.tasks, 'tasks').map((tj, i) => {
      const t = obj(tj, `tasks[${i}]`);
      return {
        pid: num(t.pid, 'pid'),
        tgid: num(t.tgid, 'tgid'),
        ppid: num(t.ppid, 'ppid'),
        uid: num(t.uid, 'uid'),
        gid: num(t.gid, 'gid'),
        comm: bstrJ(t.comm, 'comm'),
        cmdline: arr(t.cmdline, 'cmdline').map((a, k) => bstrJ(a, `cmdline[${k}]`)),
        cwd: bstrJ(t.cwd, 'cwd'),
        root: bstrJ(t.root, 'root'),
        namespaces: arr(t.namespaces, 'namespaces').map((n) => {
          const no = obj(n, 'namespace');
          return { type: str(no.type, 'namespace.type'), ino: u64FromJson(no.ino, 'namespace.ino') };
        }),
        fdTable: num(t.fdTable, 'fdTable'),
        fdLimit: absentLimit(t.fdLimit) ? null : fdLimitFromJson(t.fdLimit, `tasks[${i}].fdLimit`),
        ...(t.zombie !== undefined && bool(t.zombie, `tasks[${i}].zombie`) ? { zombie: true } : {}),
        ...(t.nsPids !== undefined
          ? { nsPids: arr(t.nsPids, `tasks[${i}].nsPids`).map((p, k) => u32(p, `tasks[${i}].nsPids[${k}]`)) }
          : {}),
        ...(t.userNsIds !== undefined ? { userNsIds: userNsIdsFromJson(t.userNsIds, `tasks[${i}].userNsIds`) } : {}),
      };
    }),
    fdTables: arr(o.fdTables, 'fdTables').map((tj, i) => {
      const t = obj(tj, `fdTables[${i}]`);
      return {
        ref: num(t.ref, 'ref'),
        sharingInferred: bool(t.sharingInferred, 'sharingInferred'),
        fds: arr(t.fds, 'fds').map((dj) => {
          const d = obj(dj, 'fd');
          return { fd: num(d.fd, 'fd.fd'), file: num(d.file, 'fd.file'), cloexec: bool(d.cloexec, 'fd.cloexec') };
        }),
      };
    }),
    files: arr(o.files, 'files').map((f, i) => fileFromJson(f, `files[${i}]`, minor)),
    errors: arr(o.errors, 'errors').map((ej, i) => {
      const e = obj(ej, `errors[${i}]`);
      return {
        errno: str(e.errno, 'errno'),
        pid: num(e.pid, 'pid'),
        fd: num(e.fd, 'fd'),
        where: bstrJ(e.where, 'where'),
        message: str(e.message, 'message'),
      };
    }),
  };
}
