/**
 * The kind registry: one entry per kind of open file. The image codec, the
 * JSON output and the UI look kinds up here by code or name.
 */
import type { KindSpec } from './schema.js';
import { FORMAT_MINOR } from '../model/snapshot.js';
import anon from './anon.js';
import blockdev from './blockdev.js';
import chardev from './chardev.js';
import directory from './directory.js';
import epoll from './epoll.js';
import eventfd from './eventfd.js';
import fanotify from './fanotify.js';
import fifo from './fifo.js';
import inetSocket from './inet-socket.js';
import inotify from './inotify.js';
import memfd from './memfd.js';
import netlinkSocket from './netlink-socket.js';
import nsfd from './nsfd.js';
import packetSocket from './packet-socket.js';
import pidfd from './pidfd.js';
import pipe from './pipe.js';
import pty from './pty.js';
import regular from './regular.js';
import signalfd from './signalfd.js';
import socket from './socket.js';
import timerfd from './timerfd.js';
import unixSocket from './unix-socket.js';
import userfaultfd from './userfaultfd.js';

export type { KindSpec, Field, ScalarField, ListField, ScalarType } from './schema.js';
export { emptyAttrs, emptyValue } from './schema.js';

export const KINDS: readonly KindSpec[] = [
  regular,
  directory,
  chardev,
  blockdev,
  pty,
  pipe,
  fifo,
  unixSocket,
  inetSocket,
  netlinkSocket,
  packetSocket,
  socket,
  eventfd,
  epoll,
  inotify,
  fanotify,
  signalfd,
  timerfd,
  pidfd,
  userfaultfd,
  nsfd,
  memfd,
  anon,
];

/** Common file fields: a kind attribute may not reuse these names. */
export const COMMON_FILE_FIELDS = [
  'ref',
  'kind',
  'path',
  'flags',
  'mode',
  'pos',
  'mntId',
  'dev',
  'ino',
  'rdev',
  'size',
  'nlink',
  'deleted',
  'sharingInferred',
  'locks',
  'attrs',
  'unknownKindCode',
  'unknownBody',
] as const;

const byCode = new Map<number, KindSpec>();
const byName = new Map<string, KindSpec>();
for (const k of KINDS) {
  if (byCode.has(k.code) || byName.has(k.name) || k.name === 'unknown')
    throw new Error(`kind registry: duplicate code or name for ${k.name} (${k.code})`);
  let since = 0;
  for (const f of k.fields) {
    if ((COMMON_FILE_FIELDS as readonly string[]).includes(f.name))
      throw new Error(`kind ${k.name}: attribute ${f.name} shadows a common file field`);
    // A reader defaults a missing field only where the body has ended, so a
    // later addition must sit after every earlier one, and be a minor this
    // version writes.
    const s = f.since ?? 0;
    if (s < since || s > FORMAT_MINOR)
      throw new Error(`kind ${k.name}: attribute ${f.name} since ${s} is out of order or above format minor ${FORMAT_MINOR}`);
    since = s;
    if (f.type === 'list' && f.of.some((o) => o.since !== undefined))
      throw new Error(`kind ${k.name}: list ${f.name} items cannot have fields added later`);
  }
  byCode.set(k.code, k);
  byName.set(k.name, k);
}

export function kindByCode(code: number): KindSpec | undefined {
  return byCode.get(code);
}
export function kindByName(name: string): KindSpec | undefined {
  return byName.get(name);
}
export const KIND_NAMES: readonly string[] = KINDS.map((k) => k.name);

/**
 * Kind groups a person types in a search (kind:socket) and the app offers
 * with their members: every socket kind, files, devices, and every kind
 * backed by an anonymous inode.
 */
export const KIND_GROUPS: Readonly<Record<string, readonly string[]>> = {
  socket: KINDS.filter((k) => k.name.endsWith('socket')).map((k) => k.name),
  file: ['regular', 'directory', 'memfd'],
  device: ['chardev', 'blockdev', 'pty'],
  anon: ['eventfd', 'epoll', 'inotify', 'fanotify', 'signalfd', 'timerfd', 'pidfd', 'userfaultfd', 'anon'],
};

/**
 * The kinds a typed name stands for: a group (socket, file, device, anon),
 * a kind, or a socket family without its suffix (inet, unix); null when it
 * names none. What `kind:` in a search and `ckpt show --kind` accept.
 */
export function kindsNamed(name: string): readonly string[] | null {
  const k = name.toLowerCase();
  if (KIND_GROUPS[k]) return KIND_GROUPS[k]!;
  if (KIND_NAMES.includes(k)) return [k];
  if (KIND_NAMES.includes(`${k}-socket`)) return [`${k}-socket`];
  return null;
}

/** Every name kindsNamed() accepts, each once, for error messages. */
export function kindNameList(): string[] {
  return [...new Set([...Object.keys(KIND_GROUPS), ...KIND_NAMES])];
}
