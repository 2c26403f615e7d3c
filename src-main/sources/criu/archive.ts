/**
 * Checkpoint archives: a tar (plain, gzip, or zstd through the zstd
 * program) holding a CRIU images directory, as `podman container checkpoint
 * --export`, CRI-O/kubelet checkpoints and `tar czf` of a `criu dump -D DIR`
 * make them. The archive is streamed once; only the image files this source
 * reads (and podman's config.dump and spec.dump) are kept in memory, so the
 * memory pages of a large dump pass by without being held.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { bstrFromBytes, displayBStr } from '../../../src-shared/model/index.js';
import { CriuError } from './errors.js';
import type { DumpFile, DumpFiles } from './image.js';
import { BLOCK, tarChecksumOk, type ArchiveKind } from './detect.js';

/** No image this source reads comes near this; a larger one is refused, not held. */
const MAX_KEPT_FILE = 256 << 20;
const MAX_KEPT_TOTAL = 1024 << 20;

/** The files worth keeping: what dump.ts and the fd types read, and podman's metadata. */
const WANTED_IMG =
  /^(?:inventory|pstree|files|remap-fpath|tty-info|memfd|filelocks|eventpoll-tfd|reg-files|(?:core|ids|fdinfo|fs|utsns)-\d+|tcp-stream-[0-9a-f]+)\.img$/;
const WANTED_META = /^(?:config|spec)\.dump$/;

function baseName(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? p : p.slice(i + 1);
}
function dirName(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}
/** A name from the archive (bytes as latin1) for a person. */
export function showName(latin1: string): string {
  return displayBStr(bstrFromBytes(Buffer.from(latin1, 'latin1')));
}

/** A tar number field: octal text, or GNU's base-256 (high bit set). */
function tarNumber(h: Uint8Array, at: number, len: number, what: string, fail: (d: string) => never): number {
  if (h[at]! & 0x80) {
    let v = 0;
    for (let i = 1; i < len; i++) v = v * 256 + h[at + i]!;
    if ((h[at]! & 0x7f) !== 0 || !Number.isSafeInteger(v)) fail(`${what} is too large`);
    return v;
  }
  const text = Buffer.from(h.subarray(at, at + len))
    .toString('latin1')
    .replace(/\0.*$/s, '')
    .trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) fail(`${what} is not a number: "${showName(text)}"`);
  return parseInt(text, 8);
}

function cString(h: Uint8Array, at: number, len: number): string {
  const b = h.subarray(at, at + len);
  const z = b.indexOf(0);
  return Buffer.from(z < 0 ? b : b.subarray(0, z)).toString('latin1');
}

/** A pax extended header's records ("LEN key=value\n"): the path and mtime, if given. */
function paxRecords(b: Uint8Array, fail: (d: string) => never): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  while (at < b.length) {
    let sp = at;
    while (sp < b.length && b[sp] !== 0x20) sp++;
    const len = Number(Buffer.from(b.subarray(at, sp)).toString('latin1'));
    if (!Number.isSafeInteger(len) || len <= sp - at || at + len > b.length) fail('bad pax extended header record');
    const rec = Buffer.from(b.subarray(sp + 1, at + len - 1)).toString('latin1');
    const eq = rec.indexOf('=');
    if (eq > 0) out.set(rec.slice(0, eq), rec.slice(eq + 1));
    at += len;
  }
  return out;
}

interface Kept extends DumpFile {
  name: string;
}

/** A push parser of a tar stream keeping the wanted files. */
class TarExtractor {
  private buf: Buffer = Buffer.alloc(0);
  /** Absolute offset (in the tar stream) of buf[0]. */
  private at = 0;
  private state: 'header' | 'data' | 'end' = 'header';
  private remaining = 0;
  private pad = 0;
  private current: { name: string; mtime: number; keep: boolean; size: number; chunks: Buffer[]; special?: 'L' | 'x' } | null = null;
  private longName: string | null = null;
  private pax: Map<string, string> | null = null;
  private keptTotal = 0;
  readonly kept: Kept[] = [];
  zeroBlocks = 0;
  entries = 0;

  constructor(
    readonly file: string,
    /** Added to offsets in messages: 0 for a plain tar; in a compressed one they are offsets in the uncompressed stream. */
    readonly note: string,
  ) {}

  private fail(at: number, d: string): never {
    throw new CriuError(this.file, at, `${d}${this.note}`);
  }

  feed(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let off = 0;
    for (;;) {
      if (this.state === 'end') {
        off = this.buf.length;
        break;
      }
      if (this.state === 'data') {
        const n = Math.min(this.remaining, this.buf.length - off);
        if (n > 0 && this.current!.keep) this.current!.chunks.push(Buffer.from(this.buf.subarray(off, off + n)));
        off += n;
        this.remaining -= n;
        if (this.remaining > 0) break;
        const p = Math.min(this.pad, this.buf.length - off);
        off += p;
        this.pad -= p;
        if (this.pad > 0) break;
        this.finishEntry();
        this.state = 'header';
        continue;
      }
      if (this.buf.length - off < BLOCK) break;
      this.header(this.buf.subarray(off, off + BLOCK), this.at + off);
      off += BLOCK;
    }
    this.at += off;
    this.buf = this.buf.subarray(off);
  }

  private header(h: Uint8Array, at: number): void {
    if (h.every((x) => x === 0)) {
      this.zeroBlocks++;
      if (this.zeroBlocks === 2) this.state = 'end';
      return;
    }
    this.zeroBlocks = 0;
    if (!tarChecksumOk(h)) this.fail(at, 'bad tar header (checksum does not match): not a tar archive, or a damaged one');
    const fail = (d: string): never => this.fail(at, d);
    const size = tarNumber(h, 124, 12, 'entry size', fail);
    const mtime = tarNumber(h, 136, 12, 'entry mtime', fail);
    const type = String.fromCharCode(h[156]!);
    const magicUstar = cString(h, 257, 6).startsWith('ustar');
    let name = cString(h, 0, 100);
    if (magicUstar) {
      const prefix = cString(h, 345, 155);
      if (prefix && h[257 + 5] === 0) name = `${prefix}/${name}`;
    }
    if (this.longName !== null) name = this.longName;
    if (this.pax?.has('path')) name = Buffer.from(this.pax.get('path')!, 'utf8').toString('latin1');
    const paxTime = this.pax?.get('mtime');
    const mtimeMs = paxTime !== undefined && Number.isFinite(Number(paxTime)) ? Number(paxTime) * 1000 : mtime * 1000;
    const special = type === 'L' || type === 'x' ? type : undefined;
    if (!special) {
      this.longName = null;
      this.pax = null;
    }
    name = name.replace(/^(?:\.\/)+/, '');
    const regular = type === '0' || type === '\0' || type === '7';
    const hasData = regular || special !== undefined || type === 'g';
    let keep = special !== undefined;
    if (special && size > 1 << 20) this.fail(at, `${type === 'L' ? 'long name' : 'pax header'} of ${size} bytes`);
    if (regular) {
      const base = baseName(name);
      keep = WANTED_IMG.test(base) || WANTED_META.test(base);
      if (keep && size > MAX_KEPT_FILE)
        this.fail(at, `${showName(name)} is ${size} bytes, larger than any image this reads (${MAX_KEPT_FILE})`);
      if (keep && this.keptTotal + size > MAX_KEPT_TOTAL)
        this.fail(at, `the image files to read add up to more than ${MAX_KEPT_TOTAL} bytes`);
      if (keep) this.keptTotal += size;
      this.entries++;
    }
    this.current = { name, mtime: mtimeMs, keep, size, chunks: [], ...(special ? { special } : {}) };
    this.remaining = hasData ? size : 0;
    this.pad = hasData ? (BLOCK - (size % BLOCK)) % BLOCK : 0;
    this.state = 'data';
    if (this.remaining === 0 && this.pad === 0) {
      this.finishEntry();
      this.state = 'header';
    }
  }

  private finishEntry(): void {
    const c = this.current!;
    this.current = null;
    if (!c.keep) return;
    const bytes = Buffer.concat(c.chunks);
    if (c.special === 'L') this.longName = cString(bytes, 0, bytes.length);
    else if (c.special === 'x') this.pax = paxRecords(bytes, (d) => this.fail(this.at, d));
    else this.kept.push({ name: c.name, bytes, mtimeMs: c.mtime });
  }

  end(): void {
    if (this.state === 'data')
      this.fail(this.at + this.buf.length, `truncated: the archive ends inside ${showName(this.current?.name ?? '')}`);
    if (this.at === 0 && this.buf.length < BLOCK) this.fail(0, `not a tar archive: ${this.buf.length} bytes, less than one tar header`);
    if (this.buf.length > 0 && this.state !== 'end') this.fail(this.at, 'truncated: the archive ends inside a tar header');
    if (this.entries === 0 && this.state !== 'end') this.fail(this.at, 'truncated: no tar entries');
  }
}

/** What an archive holds that matters here. */
export interface ArchiveDump {
  files: DumpFiles;
  configDump?: Uint8Array;
  specDump?: Uint8Array;
}

async function pump(stream: Readable, x: TarExtractor, file: string, what: string): Promise<void> {
  try {
    for await (const chunk of stream) x.feed(chunk as Buffer);
  } catch (e) {
    if (e instanceof CriuError) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new CriuError(file, -1, `${what}: ${err.code ? `${err.code} ` : ''}${err.message}`);
  }
  x.end();
}

/** Reads the archive at `path` (of kind `kind`) and finds the CRIU images directory in it. */
export async function readArchive(path: string, kind: ArchiveKind): Promise<ArchiveDump> {
  const note = kind === 'tar' ? '' : ` (offset in the ${kind === 'gzip' ? 'gunzipped' : 'decompressed'} tar)`;
  const x = new TarExtractor(path, note);
  const input = createReadStream(path);
  if (kind === 'tar') await pump(input, x, path, 'cannot read');
  else if (kind === 'gzip') {
    const gz = createGunzip();
    input.on('error', (e) => gz.destroy(e));
    await pump(input.pipe(gz), x, path, 'not valid gzip data');
  } else {
    const child = spawn('zstd', ['-dcq', '--', path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => {
      child.on('error', () => resolve(-1));
      child.on('close', (code) => resolve(code));
    });
    // What zstd says comes first: without the program, or with a damaged
    // stream, the tar reader sees an empty or cut stream and would blame the tar.
    let tarError: unknown = null;
    try {
      await pump(child.stdout, x, path, 'zstd');
    } catch (e) {
      tarError = e;
    } finally {
      child.stdout.destroy();
    }
    const code = await exited;
    if (code === -1)
      throw new CriuError(
        path,
        -1,
        'a zstd-compressed archive, and no zstd program to decompress it (apt-get install zstd, or export with --compress gzip)',
      );
    if (code !== 0) throw new CriuError(path, -1, `zstd could not decompress it: ${stderr.trim() || `exit ${String(code)}`}`);
    if (tarError) throw tarError;
  }
  const inventories = x.kept.filter((k) => baseName(k.name) === 'inventory.img');
  if (inventories.length === 0)
    throw new CriuError(path, -1, `no CRIU images directory in this archive (no inventory.img among its ${x.entries} files)`);
  if (inventories.length > 1)
    throw new CriuError(
      path,
      -1,
      `${inventories.length} CRIU images directories in this archive (${inventories.map((k) => showName(dirName(k.name) || '.')).join(', ')}): one at a time`,
    );
  const dir = dirName(inventories[0]!.name);
  const inDir = new Map<string, DumpFile>();
  for (const k of x.kept) if (dirName(k.name) === dir && WANTED_IMG.test(baseName(k.name))) inDir.set(baseName(k.name), k);
  // The metadata podman and CRI-O write beside the images directory (or in it), the shallowest first.
  const meta = (n: string) =>
    x.kept.filter((k) => baseName(k.name) === n).sort((a, b) => a.name.split('/').length - b.name.split('/').length)[0]?.bytes;
  const configDump = meta('config.dump');
  const specDump = meta('spec.dump');
  const shown = `${path}:${dir ? `${showName(dir)}/` : ''}`;
  return {
    files: {
      where: `${path}${dir ? `:${showName(dir)}` : ''}`,
      get: (name) => inDir.get(name) ?? null,
      display: (name) => `${shown}${name}`,
    },
    ...(configDump ? { configDump } : {}),
    ...(specDump ? { specDump } : {}),
  };
}
