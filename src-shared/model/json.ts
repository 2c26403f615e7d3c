/**
 * The JSON form of a snapshot (`ckpt show --json`, reports, the API): byte
 * strings that are not UTF-8 become {text, hex}; 64-bit values above 2^53
 * become decimal strings; byte attributes become hex. docs/cli.md documents
 * the shape; it changes only with the format's minor version.
 */
import { bstrToJson, bytesToHex, type BStr } from './bstr.js';
import type { AttrRecord, AttrValue, CaptureError, FileLock, OpenFile, Snapshot, Task, U64 } from './snapshot.js';

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
  };
}

export function errorToJson(e: CaptureError): { [k: string]: Json } {
  return { errno: e.errno, pid: e.pid, fd: e.fd, where: bstrToJson(e.where), message: e.message };
}

export function snapshotToJson(s: Snapshot): { [k: string]: Json } {
  return {
    header: { ...s.header, options: { ...s.header.options } },
    tasks: s.tasks.map(taskToJson),
    fdTables: s.fdTables.map((t) => ({ ref: t.ref, sharingInferred: t.sharingInferred, fds: t.fds.map((d) => ({ fd: d.fd, file: d.file, cloexec: d.cloexec })) })),
    files: s.files.map(fileToJson),
    errors: s.errors.map(errorToJson),
  };
}
