/** The fd type registry: every CRIU fd type this source reads, by its fd_types number. */
import type { FdTypeHandler } from './types.js';
import eventfd from './eventfd.js';
import eventpoll from './eventpoll.js';
import fanotify from './fanotify.js';
import fifo from './fifo.js';
import inetsk from './inetsk.js';
import inotify from './inotify.js';
import memfd from './memfd.js';
import netlinksk from './netlinksk.js';
import ns from './ns.js';
import packetsk from './packetsk.js';
import pipe from './pipe.js';
import reg from './reg.js';
import signalfd from './signalfd.js';
import timerfd from './timerfd.js';
import tty from './tty.js';
import unixsk from './unixsk.js';

export type { FdTypeHandler, FdTypeContext, Converted } from './types.js';

export const FD_TYPES: readonly FdTypeHandler[] = [
  reg,
  pipe,
  fifo,
  inetsk,
  unixsk,
  eventfd,
  eventpoll,
  inotify,
  signalfd,
  packetsk,
  tty,
  fanotify,
  netlinksk,
  ns,
  timerfd,
  memfd,
];

export const FD_TYPE_BY_CODE: ReadonlyMap<number, FdTypeHandler> = new Map(FD_TYPES.map((h) => [h.code, h]));
