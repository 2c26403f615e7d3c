/**
 * Anonymous-inode files: eventfd, epoll, inotify, fanotify, signalfd,
 * timerfd, pidfd, userfaultfd, each from its fdinfo lines; any other anon
 * inode (io_uring, perf_event, bpf ...) is kept as "anon" with its link text
 * and its fdinfo lines.
 */
import { bstrFromBytes, type AttrRecord, type BStr } from '../../../../src-shared/model/index.js';
import type { Classifier } from './types.js';
import { fields, kernelDevToUser, lineValue, toNum, toU64 } from './fdinfo-lines.js';

function lines(extra: string, prefix: string): string[] {
  return extra.split('\n').filter((l) => l.startsWith(prefix));
}

const eventfd: Classifier = (raw, _t, base) => {
  const id = toNum(lineValue(raw.extra, 'eventfd-id'));
  base.attrs = {
    count: toU64(lineValue(raw.extra, 'eventfd-count'), 16),
    id,
    semaphore: toNum(lineValue(raw.extra, 'eventfd-semaphore')) === 1,
  };
  // eventfd-id is unique per eventfd context: the best pre-filter there is.
  return `e:${id}:${raw.flags & 3}`;
};

const epoll: Classifier = (raw, _t, base) => {
  const watches: AttrRecord[] = [];
  for (const l of lines(raw.extra, 'tfd:')) {
    const f = fields(l);
    // file (the watched open file) is filled in once sharing is known.
    watches.push({
      tfd: toNum(f.get('tfd')),
      events: toNum(f.get('events'), 16) >>> 0,
      data: toU64(f.get('data'), 16),
      ino: toU64(f.get('ino'), 16),
      sdev: kernelDevToUser(toNum(f.get('sdev'), 16)),
      file: 0,
    });
  }
  base.attrs = { watches };
  return '';
};

const inotify: Classifier = (raw, _t, base) => {
  const watches: AttrRecord[] = [];
  for (const l of lines(raw.extra, 'inotify ')) {
    const f = fields(l);
    watches.push({
      wd: toNum(f.get('wd'), 16),
      ino: toU64(f.get('ino'), 16),
      sdev: kernelDevToUser(toNum(f.get('sdev'), 16)),
      mask: toNum(f.get('mask'), 16) >>> 0,
      ignoredMask: toNum(f.get('ignored_mask'), 16) >>> 0,
    });
  }
  base.attrs = { watches };
  return '';
};

const fanotify: Classifier = (raw, _t, base) => {
  const all = lines(raw.extra, 'fanotify ');
  const head = all.find((l) => l.startsWith('fanotify flags:'));
  const f = fields(head ?? '');
  base.attrs = {
    initFlags: toNum(f.get('flags'), 16) >>> 0,
    eventFlags: toNum(f.get('event-flags'), 16) >>> 0,
    marks: all.filter((l) => l !== head).map((l) => ({ text: l })),
  };
  return '';
};

const signalfd: Classifier = (raw, _t, base) => {
  base.attrs = { sigmask: toU64(lineValue(raw.extra, 'sigmask'), 16) };
  return '';
};

function pair(text: string | undefined): [string, string] {
  const m = /\(\s*(\d+)\s*,\s*(\d+)\s*\)/.exec(text ?? '');
  return m ? [m[1]!, m[2]!] : ['0', '0'];
}

const timerfd: Classifier = (raw, _t, base) => {
  const [vs, vn] = pair(lineValue(raw.extra, 'it_value'));
  const [is, inn] = pair(lineValue(raw.extra, 'it_interval'));
  base.attrs = {
    clockid: toNum(lineValue(raw.extra, 'clockid')),
    ticks: toU64(lineValue(raw.extra, 'ticks')),
    settimeFlags: toNum(lineValue(raw.extra, 'settime flags'), 8),
    valueSec: toU64(vs),
    valueNsec: toNum(vn),
    intervalSec: toU64(is),
    intervalNsec: toNum(inn),
  };
  return '';
};

const pidfd: Classifier = (raw, _t, base) => {
  const v = lineValue(raw.extra, 'Pid');
  base.attrs = { pid: v === undefined ? -1 : toNum(v) };
  return '';
};

const userfaultfd: Classifier = (raw, _t, base) => {
  const api = (lineValue(raw.extra, 'API') ?? '').split(':')[0];
  base.attrs = {
    pending: toU64(lineValue(raw.extra, 'pending')),
    total: toU64(lineValue(raw.extra, 'total')),
    api: toU64(api, 16),
  };
  return '';
};

const BY_LINK: Record<string, [string, Classifier]> = {
  'anon_inode:[eventfd]': ['eventfd', eventfd],
  'anon_inode:[eventpoll]': ['epoll', epoll],
  'anon_inode:inotify': ['inotify', inotify],
  'anon_inode:[fanotify]': ['fanotify', fanotify],
  'anon_inode:[signalfd]': ['signalfd', signalfd],
  'anon_inode:[timerfd]': ['timerfd', timerfd],
  'anon_inode:[pidfd]': ['pidfd', pidfd],
  'anon_inode:[userfaultfd]': ['userfaultfd', userfaultfd],
};

/**
 * The kind's own fdinfo lines (`extra`: after pos, flags, mnt_id and ino;
 * latin1, one char per byte) as exact bytes, minus the lock: lines, which
 * the common locks field already holds.
 */
export function unparsedFdinfo(extra: string): BStr {
  let text = extra;
  if (text.includes('lock:'))
    text = text
      .split(/(?<=\n)/)
      .filter((l) => !l.startsWith('lock:'))
      .join('');
  // Beyond ASCII the latin1 chars are bytes, not text (a bpf prog name may hold any).
  // A plain Uint8Array, as the image reader gives: a Buffer would compare unequal and pin a pool slab.
  return /[\x80-\xff]/.test(text) ? bstrFromBytes(Uint8Array.from(text, (c) => c.charCodeAt(0))) : text;
}

export const anonInode: Classifier = (raw, text, base, ctx) => {
  // Most anon inodes share one inode, so the link text, access mode and ino
  // only narrow the candidates; kcmp decides.
  const key = `a:${text}:${String(base.ino)}:${raw.flags & 3}`;
  const hit = BY_LINK[text];
  if (!hit) {
    base.kind = 'anon';
    base.attrs = { fdinfo: unparsedFdinfo(raw.extra) };
    return key;
  }
  base.kind = hit[0];
  // A kind with a sharper key of its own (eventfd) returns it; '' keeps this one.
  return hit[1](raw, text, base, ctx) || key;
};
