/**
 * limitReport (src-shared/model/limits.ts) as plain JSON, for image.limits,
 * the process tree's rows and the reports' JSON: one conversion, so the app
 * and an exported report say the same thing about an image.
 */
import { bstrToJson } from '../model/bstr.js';
import { kernelLimitsToJson, u64ToJson } from '../model/json.js';
import { NEAR_LIMIT, listedWarnings, recordsLimits, share, type LimitReport, type ProcessLimit } from '../model/limits.js';
import type { ImageHeader, U64 } from '../model/snapshot.js';
import type { FdLimitUse, ImageLimits, ProcessLimitRow, U64Json } from './results.js';

export function fdLimitUse(p: ProcessLimit): FdLimitUse {
  return { fds: p.fds, soft: p.soft, hard: p.hard, used: p.used, near: p.used !== null && p.used >= NEAR_LIMIT };
}

const u64 = (v: U64 | null): U64Json | null => (v === null ? null : u64ToJson(v));

export interface LimitsJsonOptions {
  /** Processes listed at most (image.limits: the panel shows the top of the ranking; a report lists all). */
  maxProcesses?: number;
  /** Per-process warnings kept at most: a fleet of workers near their limit is one finding, not a screenful. */
  maxProcessWarnings?: number;
}

export function limitsToJson(r: LimitReport, h: ImageHeader, o: LimitsJsonOptions = {}): ImageLimits {
  const maxP = o.maxProcesses ?? Infinity;
  const processes: ProcessLimitRow[] = r.processes
    .slice(0, maxP)
    .map((p) => ({ pid: p.pid, comm: bstrToJson(p.comm), uid: p.uid, ...fdLimitUse(p) }));
  const { warnings, more } = listedWarnings(r, o.maxProcessWarnings);
  return {
    recorded: recordsLimits(h),
    format: `${h.formatMajor}.${h.formatMinor}`,
    nearShare: NEAR_LIMIT,
    processes,
    known: r.processes.length,
    unknown: r.unknown,
    near: r.near.length,
    fileHandles: {
      allocated: u64(r.fileHandles.allocated),
      max: u64(r.fileHandles.max),
      used: r.fileHandles.allocated === null ? null : share(Number(r.fileHandles.allocated), r.fileHandles.max),
    },
    inotify: {
      maxInstances: u64(r.inotify.maxInstances),
      maxWatches: u64(r.inotify.maxWatches),
      users: r.inotify.users.map((u) => ({
        uid: u.uid,
        instances: u.instances,
        watches: u.watches,
        instancesUsed: share(u.instances, r.inotify.maxInstances),
        watchesUsed: share(u.watches, r.inotify.maxWatches),
      })),
    },
    kernel: kernelLimitsToJson(h.kernelLimits),
    warnings,
    moreWarnings: more,
  };
}
