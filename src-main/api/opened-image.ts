/**
 * An image opened for the inspector: decoded once, with an index of its
 * records and of who holds what, so each pane's request (a page of fds, one
 * file, a page of records, one record's bytes) is answered from memory
 * without decoding again. Opening an image of 100,000 fds must take well
 * under a second, so the index is flat typed arrays and maps, built in one
 * pass over the records.
 */
import { decodeImage, type DecodeResult } from '../engine/reader.js';
import { RT, align8, recordName } from '../engine/format.js';
import { kindByName } from '../../src-shared/kinds/index.js';
import {
  bstrToJson,
  bytesToHex,
  describeFile,
  diskHeld,
  memoryHeld,
  displayBStr,
  fileToJson,
  flagNames,
  kernelLimitsToJson,
  limitReport,
  modeType,
  otherEnds,
  taskToJson,
  u64ToJson,
  type DiskHeld,
  type LimitReport,
  type OpenFile,
  type Task,
} from '../../src-shared/model/index.js';
import type {
  FdLocation,
  TaskDetail,
  AttrLabel,
  CaptureErrorRow,
  FdRow,
  FileDetail,
  FileHolder,
  FdLimitUse,
  ImageLimits,
  ImageOverview,
  ImageSummary,
  Page,
  RecordBytes,
  RecordRow,
  TableRow,
  TaskRow,
} from '../../src-shared/api/results.js';
import { ApiError } from '../../src-shared/api/contract.js';
import { FILE_HOLDERS_FIRST } from '../../src-shared/api/methods.js';
import { formatSize } from '../../src-shared/model/size-text.js';
import { fdLimitUse, limitsToJson } from '../../src-shared/api/limits-json.js';

/** The kinds otherEnds() pairs. */
const PEER_KINDS = new Set(['unix-socket', 'inet-socket', 'pipe', 'fifo']);

/** Bytes of a record shown in the hex pane at most; the rest is summarised. */
const HEX_LIMIT = 64 * 1024;
/** Processes image.limits lists (the panel shows the top of the ranking; the tree rows carry every process's own). */
export const LIMIT_PROCESSES = 100;
/** Per-process warnings image.limits sends; the rest are counted. */
const LIMIT_PROCESS_WARNINGS = 20;

/** A file's hold on the disk (a regular file's) or on memory (a memfd's) as the Inspector's row shows it: its blocks in words that take their number, or `notRecorded`. */
function heldDetail(h: DiskHeld, f: OpenFile, notRecorded: string): NonNullable<FileDetail['diskHeld']> {
  const blocks = String(f.attrs.blocks);
  return {
    bytes: u64ToJson(h.bytes),
    allocated: h.allocated,
    text: h.allocated ? `${formatSize(h.bytes)} (${blocks} ${blocks === '1' ? 'block' : 'blocks'} of 512 bytes)` : notRecorded,
  };
}

export class OpenedImage {
  readonly snap: DecodeResult;
  private readonly files = new Map<number, OpenFile>();
  private readonly tables = new Map<number, DecodeResult['fdTables'][number]>();
  /** How many (process, fd) pairs hold each open file. */
  private readonly holderCount = new Map<number, number>();
  private readonly tableTasks = new Map<number, Task[]>();
  private readonly tasksByPid = new Map<number, Task>();

  // The record index, one slot per record.
  private readonly recCount: number;
  private readonly recOffset: Float64Array;
  private readonly recType: Uint32Array;
  private readonly recLen: Uint32Array;
  private readonly recObjref: Uint32Array;
  /** TASK: pid; FILE_DESC: fd number; else 0. */
  private readonly recExtra: Uint32Array;
  /** FILE_DESC: the table it belongs to; TASK_OBJS: the task's pid. */
  private readonly recOwner: Uint32Array;
  /** FILE_DESC: its position in its table (the row of the fd list). */
  private readonly recPos: Uint32Array;
  private readonly taskRecord = new Map<number, number>();
  private readonly fileRecord = new Map<number, number>();
  private readonly tableRecord = new Map<number, number>();
  /** Per table, the FILE_DESC record of each fd by its position in the table. */
  private readonly fdRecords = new Map<number, Int32Array>();
  private readonly errorRecords: number[] = [];

  constructor(
    public summary: ImageSummary,
    private readonly bytes: Buffer,
  ) {
    // decodeImage checks everything: framing, objrefs, the checksum. The
    // record index below walks the framing it has just validated, so it
    // need not hash the image a second time (scanRecords would).
    this.snap = decodeImage(bytes);
    for (const f of this.snap.files) this.files.set(f.ref, f);
    for (const t of this.snap.fdTables) this.tables.set(t.ref, t);
    for (const t of this.snap.tasks) {
      if (!this.tasksByPid.has(t.pid)) this.tasksByPid.set(t.pid, t);
      if (!t.fdTable) continue;
      let l = this.tableTasks.get(t.fdTable);
      if (!l) this.tableTasks.set(t.fdTable, (l = []));
      l.push(t);
    }
    for (const t of this.snap.fdTables) {
      // A table shared by threads counts once per process; by processes (CLONE_FILES), once each.
      const procs = new Set((this.tableTasks.get(t.ref) ?? []).map((x) => x.tgid)).size;
      for (const d of t.fds) this.holderCount.set(d.file, (this.holderCount.get(d.file) ?? 0) + procs);
    }

    const n = this.snap.info.records + 1;
    this.recCount = n;
    this.recOffset = new Float64Array(n);
    this.recType = new Uint32Array(n);
    this.recLen = new Uint32Array(n);
    this.recObjref = new Uint32Array(n);
    this.recExtra = new Uint32Array(n);
    this.recOwner = new Uint32Array(n);
    this.recPos = new Uint32Array(n);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let table = 0;
    let tableRecs: Int32Array | null = null;
    let pos = 0;
    let lastPid = 0;
    let off = 0;
    for (let i = 0; i < n; i++) {
      const type = view.getUint32(off, true);
      const len = view.getUint32(off + 4, true);
      const body = off + 8;
      const hasRef = (type === RT.FILE || type === RT.FILE_TABLE || type === RT.FILE_DESC || type === RT.TASK_OBJS) && len >= 12;
      const objref = hasRef ? view.getUint32(body, true) : 0;
      this.recOffset[i] = off;
      this.recType[i] = type;
      this.recLen[i] = len;
      this.recObjref[i] = objref;
      switch (type) {
        case RT.TASK: {
          const pid = view.getUint32(body, true);
          this.recExtra[i] = pid;
          lastPid = pid;
          if (!this.taskRecord.has(pid)) this.taskRecord.set(pid, i);
          break;
        }
        case RT.TASK_OBJS:
          this.recOwner[i] = lastPid;
          break;
        case RT.FILE_TABLE:
          table = objref;
          pos = 0;
          this.tableRecord.set(table, i);
          tableRecs = new Int32Array(view.getUint32(body + 4, true));
          this.fdRecords.set(table, tableRecs);
          break;
        case RT.FILE_DESC:
          this.recExtra[i] = view.getUint32(body + 4, true);
          this.recOwner[i] = table;
          this.recPos[i] = pos;
          if (tableRecs && pos < tableRecs.length) tableRecs[pos] = i;
          pos++;
          break;
        case RT.FILE:
          this.fileRecord.set(objref, i);
          break;
        case RT.ERROR:
          this.errorRecords.push(i);
          break;
      }
      off += align8(len);
    }
  }

  private limitReportCache: LimitReport | null = null;
  private limitByPid: Map<number, FdLimitUse> | null = null;

  private get limitReport(): LimitReport {
    return (this.limitReportCache ??= limitReport(this.snap));
  }

  private fdLimitOf(t: Task): FdLimitUse | null {
    if (t.pid !== t.tgid) return null;
    this.limitByPid ??= new Map(this.limitReport.processes.map((p) => [p.pid, fdLimitUse(p)]));
    return this.limitByPid.get(t.pid) ?? null;
  }

  limits(): ImageLimits {
    return limitsToJson(this.limitReport, this.snap.header, { maxProcesses: LIMIT_PROCESSES, maxProcessWarnings: LIMIT_PROCESS_WARNINGS });
  }

  overview(): ImageOverview {
    const s = this.snap;
    const tasks: TaskRow[] = s.tasks.map((t) => this.taskRow(t));
    const tables: TableRow[] = s.fdTables.map((t) => ({
      ref: t.ref,
      fdCount: t.fds.length,
      pids: (this.tableTasks.get(t.ref) ?? []).map((x) => x.pid),
      sharingInferred: t.sharingInferred,
      record: this.tableRecord.get(t.ref) ?? -1,
    }));
    // errno and message are the image's text, not ours: escaped as names are.
    const errors: CaptureErrorRow[] = s.errors.map((e, i) => ({
      errno: displayBStr(e.errno),
      pid: e.pid,
      fd: e.fd,
      where: bstrToJson(e.where),
      message: displayBStr(e.message),
      record: this.errorRecords[i] ?? -1,
    }));
    const fds = s.fdTables.reduce((a, t) => a + t.fds.length, 0);
    return {
      summary: this.summary,
      // JSON has no bigint: the kernel limits go as u64 JSON like every other 64-bit value.
      header: {
        ...s.header,
        options: { ...s.header.options },
        kernelLimits: kernelLimitsToJson(s.header.kernelLimits),
      },
      tasks,
      tables,
      errors,
      counts: {
        tasks: s.tasks.length,
        tables: s.fdTables.length,
        fds,
        files: s.files.length,
        records: this.recCount,
        bytes: this.bytes.length,
      },
    };
  }

  private taskRow(t: Task): TaskRow {
    return {
      pid: t.pid,
      tgid: t.tgid,
      ppid: t.ppid,
      uid: t.uid,
      comm: bstrToJson(t.comm),
      fdTable: t.fdTable,
      fdCount: t.fdTable ? (this.tables.get(t.fdTable)?.fds.length ?? 0) : 0,
      record: this.taskRecord.get(t.pid) ?? -1,
      fdLimit: this.fdLimitOf(t),
    };
  }

  task(pid: number): TaskDetail {
    const t = this.tasksByPid.get(pid);
    if (!t) throw new ApiError('not-found', `image ${this.summary.id.slice(0, 12)} has no task ${pid}`);
    const j = taskToJson(t);
    return {
      ...this.taskRow(t),
      gid: t.gid,
      cmdline: j.cmdline as TaskDetail['cmdline'],
      cwd: j.cwd as TaskDetail['cwd'],
      root: j.root as TaskDetail['root'],
      namespaces: j.namespaces as TaskDetail['namespaces'],
      nsPids: t.nsPids ? [...t.nsPids] : null,
      userNsIds: t.userNsIds ? { ...t.userNsIds } : null,
    };
  }

  /**
   * A page of an fd table, or of the fds whose number, kind, target or O_
   * flags contain `query` (case-insensitive). The positions matching the
   * last few queries are kept, so paging a filtered list of 100,000 fds
   * does not filter again for every page.
   */
  fds(tableRef: number, offset: number, limit: number, query = ''): Page<FdRow> {
    const t = this.tables.get(tableRef);
    if (!t) throw new ApiError('not-found', `image ${this.summary.id.slice(0, 12)} has no fd table ${tableRef}`);
    const recs = this.fdRecords.get(tableRef);
    const q = query.trim().toLowerCase();
    const positions = q ? this.matching(t, q) : null;
    const total = positions ? positions.length : t.fds.length;
    const rows: FdRow[] = [];
    const end = Math.min(total, offset + limit);
    for (let k = offset; k < end; k++) {
      const position = positions ? positions[k]! : k;
      const d = t.fds[position]!;
      const f = this.files.get(d.file)!;
      rows.push({
        fd: d.fd,
        file: d.file,
        kind: f.kind,
        target: describeFile(f),
        flags: f.flags,
        flagNames: flagNames(f.flags),
        pos: u64ToJson(f.pos),
        cloexec: d.cloexec,
        deleted: f.deleted,
        holders: this.holderCount.get(d.file) ?? 0,
        record: recs?.[position] ?? -1,
        position,
      });
    }
    return { total, offset, rows };
  }

  private readonly filtered = new Map<string, Int32Array>();

  private matching(t: DecodeResult['fdTables'][number], q: string): Int32Array {
    const key = `${t.ref}\0${q}`;
    const hit = this.filtered.get(key);
    if (hit) return hit;
    const out: number[] = [];
    for (let i = 0; i < t.fds.length; i++) {
      const d = t.fds[i]!;
      const f = this.files.get(d.file)!;
      if (
        String(d.fd) === q ||
        f.kind.includes(q) ||
        describeFile(f).toLowerCase().includes(q) ||
        flagNames(f.flags).some((n) => n.toLowerCase() === q || n.toLowerCase() === `o_${q}`)
      )
        out.push(i);
    }
    const r = Int32Array.from(out);
    this.filtered.set(key, r);
    if (this.filtered.size > 8) this.filtered.delete(this.filtered.keys().next().value!);
    return r;
  }

  locate(pid: number, fd: number): FdLocation {
    const t = this.tasksByPid.get(pid);
    const where = `image ${this.summary.id.slice(0, 12)}`;
    if (!t) throw new ApiError('not-found', `${where} has no task ${pid}`);
    const table = this.tables.get(t.fdTable);
    const position = table ? table.fds.findIndex((d) => d.fd === fd) : -1;
    if (!table || position < 0) throw new ApiError('not-found', `${where}: process ${pid} has no fd ${fd}`);
    return {
      pid,
      fd,
      table: table.ref,
      position,
      record: this.fdRecords.get(table.ref)?.[position] ?? -1,
      file: table.fds[position]!.file,
    };
  }

  file(ref: number): FileDetail {
    const f = this.files.get(ref);
    if (!f) throw new ApiError('not-found', `image ${this.summary.id.slice(0, 12)} has no open file ${ref}`);
    const spec = kindByName(f.kind);
    const attrLabels: AttrLabel[] = (spec?.fields ?? []).map((fl) =>
      fl.type === 'list'
        ? { name: fl.name, label: fl.label, type: fl.type, of: fl.of.map((o) => ({ name: o.name, label: o.label, type: o.type })) }
        : { name: fl.name, label: fl.label, type: fl.type },
    );
    const holders = this.holdersPage(ref, 0, FILE_HOLDERS_FIRST);
    const held = f.kind === 'regular' ? diskHeld(f) : null;
    const mem = memoryHeld(f);
    // Only sockets, pipes and FIFOs have other ends: a regular file is not kept waiting for the
    // image's peers to be paired (0.25-0.45 s on 300,000 fds, once per image).
    if (PEER_KINDS.has(f.kind)) this.peers ??= otherEnds(this.snap);
    const peerFiles = ((PEER_KINDS.has(f.kind) && this.peers?.get(ref)) || []).flatMap((p) => this.files.get(p) ?? []);
    return {
      ref,
      kind: f.kind,
      kindLabel: spec?.label ?? f.kind,
      description: describeFile(f),
      flagNames: flagNames(f.flags),
      modeType: modeType(f.mode),
      file: fileToJson(f),
      attrLabels,
      diskHeld: held && heldDetail(held, f, `not recorded: the size, ${formatSize(f.size)}, is the apparent size`),
      memoryHeld: mem && heldDetail(mem, f, `not recorded: its size is ${formatSize(f.size)}, which may be far more than it holds`),
      holders: holders.rows,
      holderCount: holders.total,
      holderProcesses: this.holderProcesses(ref),
      otherEnds: peerFiles.map((p) => {
        const h = this.holdersPage(p.ref, 0, FILE_HOLDERS_FIRST);
        return { ref: p.ref, description: describeFile(p), holders: h.rows, holderCount: h.total };
      }),
      record: this.fileRecord.get(ref) ?? -1,
    };
  }

  private peers: Map<number, readonly number[]> | undefined;

  /**
   * Who holds each open file, built on the first file asked for in one pass
   * over the fd tables: every file's fds as (table, position), grouped by
   * file in the tables' order. A page of a file's holders is then a walk of
   * its own fds, not of every fd of the image (300,000 on a whole machine),
   * and no holder list is ever built whole (36,000 for one leaked socket).
   */
  private holderIndex: {
    slot: Map<number, number>;
    start: Int32Array;
    table: Int32Array;
    position: Int32Array;
  } | null = null;
  /** Per fd table (by its index in the image), the processes using it: each tgid once, or [0] for a table no task uses. */
  private tablePids: number[][] | null = null;

  private holdersIndex(): NonNullable<OpenedImage['holderIndex']> {
    if (this.holderIndex) return this.holderIndex;
    const tables = this.snap.fdTables;
    this.tablePids = tables.map((t) => {
      const pids = [...new Set((this.tableTasks.get(t.ref) ?? []).map((u) => u.tgid))];
      return pids.length ? pids : [0];
    });
    const slot = new Map<number, number>();
    for (const f of this.snap.files) if (!slot.has(f.ref)) slot.set(f.ref, slot.size);
    const start = new Int32Array(slot.size + 1);
    for (const t of tables) for (const d of t.fds) start[(slot.get(d.file) ?? -1) + 1]!++;
    for (let i = 0; i < slot.size; i++) start[i + 1]! += start[i]!;
    const total = start[slot.size]!;
    const table = new Int32Array(total);
    const position = new Int32Array(total);
    const next = start.slice(0, slot.size);
    for (let ti = 0; ti < tables.length; ti++) {
      const fds = tables[ti]!.fds;
      for (let p = 0; p < fds.length; p++) {
        const s = slot.get(fds[p]!.file);
        if (s === undefined) continue;
        const k = next[s]!++;
        table[k] = ti;
        position[k] = p;
      }
    }
    return (this.holderIndex = { slot, start, table, position });
  }

  /** The file's fds in the index: [from, to) of its table and position arrays. */
  private holderSpan(ref: number): [number, number] {
    const ix = this.holdersIndex();
    const s = ix.slot.get(ref);
    return s === undefined ? [0, 0] : [ix.start[s]!, ix.start[s + 1]!];
  }

  /** Holders `offset` to `offset + limit` of file `ref`: every fd that points at it, once per process using its table. */
  holdersPage(ref: number, offset: number, limit: number): Page<FileHolder> {
    if (!this.files.has(ref)) throw new ApiError('not-found', `image ${this.summary.id.slice(0, 12)} has no open file ${ref}`);
    const ix = this.holdersIndex();
    const tablePids = this.tablePids!;
    const [from, to] = this.holderSpan(ref);
    const rows: FileHolder[] = [];
    let total = 0;
    for (let k = from; k < to; k++) {
      const ti = ix.table[k]!;
      const pids = tablePids[ti]!;
      // Holders before the page are only counted.
      if (total + pids.length <= offset || rows.length >= limit) {
        total += pids.length;
        continue;
      }
      const t = this.snap.fdTables[ti]!;
      const position = ix.position[k]!;
      const d = t.fds[position]!;
      for (const pid of pids) {
        if (total++ < offset || rows.length >= limit) continue;
        const task = this.tasksByPid.get(pid);
        rows.push({
          pid,
          comm: task ? bstrToJson(task.comm) : '',
          fd: d.fd,
          table: t.ref,
          cloexec: d.cloexec,
          position,
          record: this.fdRecords.get(t.ref)?.[position] ?? -1,
        });
      }
    }
    return { total, offset, rows };
  }

  /** How many processes hold file `ref` (each table counted once, however many of its fds hold it). */
  private holderProcesses(ref: number): number {
    const ix = this.holdersIndex();
    const [from, to] = this.holderSpan(ref);
    const seenTables = new Set<number>();
    const pids = new Set<number>();
    for (let k = from; k < to; k++) {
      const ti = ix.table[k]!;
      if (seenTables.has(ti)) continue;
      seenTables.add(ti);
      for (const pid of this.tablePids![ti]!) pids.add(pid);
    }
    return pids.size;
  }

  records(offset: number, limit: number): Page<RecordRow> {
    const rows: RecordRow[] = [];
    const end = Math.min(this.recCount, offset + limit);
    for (let i = offset; i < end; i++) rows.push(this.recordRow(i));
    return { total: this.recCount, offset, rows };
  }

  private recordRow(i: number): RecordRow {
    const type = this.recType[i]!;
    const row: RecordRow = {
      index: i,
      offset: this.recOffset[i]!,
      type,
      typeName: recordName(type),
      len: this.recLen[i]!,
      objref: this.recObjref[i]!,
    };
    switch (type) {
      case RT.TASK:
        row.task = this.recExtra[i]!;
        break;
      case RT.TASK_OBJS:
        row.task = this.recOwner[i]!;
        if (row.objref) row.table = row.objref;
        break;
      case RT.FILE_TABLE:
        row.table = row.objref;
        break;
      case RT.FILE_DESC:
        row.table = this.recOwner[i]!;
        row.fd = this.recExtra[i]!;
        row.position = this.recPos[i]!;
        row.file = row.objref;
        break;
      case RT.FILE:
        row.file = row.objref;
        break;
      case RT.ERROR: {
        const e = this.snap.errors[sortedIndexOf(this.errorRecords, i)];
        if (e) row.note = `${displayBStr(e.errno) || 'error'} pid ${e.pid}${e.fd >= 0 ? ` fd ${e.fd}` : ''}: ${displayBStr(e.message)}`;
        break;
      }
      case RT.HEADER:
        row.note = `format ${this.snap.header.formatMajor}.${this.snap.header.formatMinor}, ${this.snap.header.source} capture`;
        break;
      case RT.TAIL:
        row.note = `${this.recCount - 1} records, SHA-256 ${this.snap.info.sha256.slice(0, 16)}…`;
        break;
    }
    return row;
  }

  recordBytes(index: number): RecordBytes {
    if (index >= this.recCount)
      throw new ApiError('not-found', `image ${this.summary.id.slice(0, 12)} has ${this.recCount} records; there is no record #${index}`);
    const offset = this.recOffset[index]!;
    const len = this.recLen[index]!;
    const span = align8(len);
    const shown = Math.min(span, HEX_LIMIT);
    return { index, offset, len, hex: bytesToHex(this.bytes.subarray(offset, offset + shown)), truncated: shown < span };
  }
}

/** Index of x in an ascending array, or -1. */
function sortedIndexOf(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! === x) return mid;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
