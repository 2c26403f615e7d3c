/**
 * Which listed processes a capture by namespace or cgroup covers, for the
 * Capture view's count and marks. The backend selects anew when it
 * captures (src-main/sources/proc/select.ts); this mirrors its rules on the
 * list the view holds, so the count says what the capture will take unless
 * processes came or went meanwhile.
 */
import type { ProcessInfo } from '../../src-shared/api/results.js';
import { normalizeCgroup } from '../../src-shared/model/namespaces.js';

export type Selector = { cgroup: string } | { ns: { type: 'pid' | 'net'; of: number } };

/** The list's cgroup as a text field edits it: a name that is not UTF-8 arrives escaped (and then selects nothing). */
export function cgroupText(c: ProcessInfo['cgroup']): string {
  return c === null ? '' : typeof c === 'string' ? c : c.text;
}



/**
 * The pids the selector takes from `procs`, leaving out `selfPid` (the
 * backend, which never captures itself). A process whose namespace link
 * could not be read is not counted, as the capture leaves it out. Only the
 * one cgroup path the list carries per process is compared, where the
 * capture matches every v1 hierarchy too: on a v1 machine the count can be
 * short.
 */
export function covered(procs: readonly ProcessInfo[], sel: Selector, selfPid: number): Set<number> {
  const out = new Set<number>();
  if ('cgroup' in sel) {
    if (!sel.cgroup.startsWith('/')) return out;
    const want = normalizeCgroup(sel.cgroup);
    const under = want === '/' ? '/' : `${want}/`;
    for (const p of procs) {
      if (p.pid === selfPid || p.cgroup === null) continue;
      const c = cgroupText(p.cgroup);
      if (c === want || c.startsWith(under)) out.add(p.pid);
    }
    return out;
  }
  const key = sel.ns.type === 'pid' ? 'pidNs' : 'netNs';
  const ns = procs.find((p) => p.pid === sel.ns.of)?.[key];
  if (ns === null || ns === undefined) return out;
  for (const p of procs) if (p.pid !== selfPid && p[key] === ns) out.add(p.pid);
  return out;
}
