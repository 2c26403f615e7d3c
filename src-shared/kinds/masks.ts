/**
 * Bit masks and codes of kind attributes, as a person reads them: the names of
 * the set bits with the hex the kernel prints in fdinfo ("EPOLLIN|EPOLLERR|EPOLLHUP
 * (0x19)"); a bit without a name stays in the hex and is listed as such.
 */
import type { U64 } from '../model/snapshot.js';

type Bits = readonly (readonly [bit: bigint, name: string])[];

function names(v: U64, bits: Bits): string {
  let rest = BigInt(v);
  const hex = `0x${rest.toString(16)}`;
  if (rest === 0n) return `0 (${hex})`;
  const out: string[] = [];
  for (const [bit, name] of bits)
    if ((rest & bit) === bit) {
      out.push(name);
      rest &= ~bit;
    }
  if (rest !== 0n) out.push(`0x${rest.toString(16)}`);
  return `${out.join('|')} (${hex})`;
}

const EPOLL: Bits = [
  [0x1n, 'EPOLLIN'],
  [0x2n, 'EPOLLPRI'],
  [0x4n, 'EPOLLOUT'],
  [0x8n, 'EPOLLERR'],
  [0x10n, 'EPOLLHUP'],
  [0x20n, 'EPOLLNVAL'],
  [0x40n, 'EPOLLRDNORM'],
  [0x80n, 'EPOLLRDBAND'],
  [0x100n, 'EPOLLWRNORM'],
  [0x200n, 'EPOLLWRBAND'],
  [0x400n, 'EPOLLMSG'],
  [0x2000n, 'EPOLLRDHUP'],
  [1n << 28n, 'EPOLLEXCLUSIVE'],
  [1n << 29n, 'EPOLLWAKEUP'],
  [1n << 30n, 'EPOLLONESHOT'],
  [1n << 31n, 'EPOLLET'],
];

/** An epoll watch's event mask: "EPOLLIN|EPOLLERR|EPOLLHUP (0x19)". */
export const epollEventsText = (v: U64): string => names(v, EPOLL);

const INOTIFY: Bits = [
  [0x1n, 'IN_ACCESS'],
  [0x2n, 'IN_MODIFY'],
  [0x4n, 'IN_ATTRIB'],
  [0x8n, 'IN_CLOSE_WRITE'],
  [0x10n, 'IN_CLOSE_NOWRITE'],
  [0x20n, 'IN_OPEN'],
  [0x40n, 'IN_MOVED_FROM'],
  [0x80n, 'IN_MOVED_TO'],
  [0x100n, 'IN_CREATE'],
  [0x200n, 'IN_DELETE'],
  [0x400n, 'IN_DELETE_SELF'],
  [0x800n, 'IN_MOVE_SELF'],
  [0x2000n, 'IN_UNMOUNT'],
  [0x4000n, 'IN_Q_OVERFLOW'],
  [0x8000n, 'IN_IGNORED'],
  [0x1000000n, 'IN_ONLYDIR'],
  [0x2000000n, 'IN_DONT_FOLLOW'],
  [0x4000000n, 'IN_EXCL_UNLINK'],
  [0x10000000n, 'IN_MASK_CREATE'],
  [0x20000000n, 'IN_MASK_ADD'],
  [0x40000000n, 'IN_ISDIR'],
  [0x80000000n, 'IN_ONESHOT'],
];

/** An inotify watch's mask: "IN_CREATE (0x100)". */
export const inotifyMaskText = (v: U64): string => names(v, INOTIFY);

const SIGNALS = [
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGILL',
  'SIGTRAP',
  'SIGABRT',
  'SIGBUS',
  'SIGFPE',
  'SIGKILL',
  'SIGUSR1',
  'SIGSEGV',
  'SIGUSR2',
  'SIGPIPE',
  'SIGALRM',
  'SIGTERM',
  'SIGSTKFLT',
  'SIGCHLD',
  'SIGCONT',
  'SIGSTOP',
  'SIGTSTP',
  'SIGTTIN',
  'SIGTTOU',
  'SIGURG',
  'SIGXCPU',
  'SIGXFSZ',
  'SIGVTALRM',
  'SIGPROF',
  'SIGWINCH',
  'SIGIO',
  'SIGPWR',
  'SIGSYS',
] as const;

/**
 * A signal set as fdinfo prints it (bit n is signal n + 1): the hex, then the
 * signals by name, real-time ones (32 to 64) by number, runs joined
 * ("0xfffffffe00010000: SIGCHLD, 34-64").
 */
export function sigsetText(v: U64): string {
  const set = BigInt.asUintN(64, BigInt(v));
  const hex = `0x${set.toString(16).padStart(16, '0')}`;
  if (set === 0n) return `${hex}: no signals`;
  const out: string[] = [];
  for (let s = 1; s <= 31; s++) if ((set >> BigInt(s - 1)) & 1n) out.push(SIGNALS[s - 1]!);
  for (let s = 32; s <= 64; s++) {
    if (!((set >> BigInt(s - 1)) & 1n)) continue;
    let e = s;
    while (e < 64 && (set >> BigInt(e)) & 1n) e++;
    out.push(e > s ? `${s}-${e}` : String(s));
    s = e;
  }
  return `${hex}: ${out.join(', ')}`;
}

/** socket(2) types by number, as <bits/socket_type.h> names them (also lsof's packet socket type=). */
export const SOCK_TYPES: Record<number, string> = {
  1: 'SOCK_STREAM',
  2: 'SOCK_DGRAM',
  3: 'SOCK_RAW',
  4: 'SOCK_RDM',
  5: 'SOCK_SEQPACKET',
  6: 'SOCK_DCCP',
  10: 'SOCK_PACKET',
};

/** A socket type by name: "SOCK_RAW (3)". */
export function socketTypeText(v: U64): string {
  const n = Number(v);
  return SOCK_TYPES[n] ? `${SOCK_TYPES[n]} (${n})` : String(n);
}
