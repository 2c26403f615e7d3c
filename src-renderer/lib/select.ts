/**
 * Which listed processes a capture by namespace, cgroup, user or name
 * covers, for the Capture view's count and marks. The backend selects anew
 * when it captures (src-main/sources/proc/select.ts); this applies its
 * rules (the same code, for cgroup paths and comm patterns) to the list the
 * view holds, so the count says what the capture will take unless
 * processes came or went meanwhile.
 */
import type { ProcessInfo } from '../../src-shared/api/results.js';
import { bstrFromJson, bstrToBytes, type BStrJson } from '../../src-shared/model/bstr.js';
import { normalizeCgroup } from '../../src-shared/model/namespaces.js';
import { commMatches, commPattern, resolveUsers } from '../../src-shared/model/proc-select.js';

export type Selector = { cgroup: string } | { ns: { type: 'pid' | 'net'; of: number } } | { user: string[] } | { comm: string[] };

/** A comma list as typed ("nginx*, php-fpm*"): its items, trimmed, empty ones dropped. */
export function listItems(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * A listed name (comm, cgroup) as a text field edits it: its own text when
 * its bytes are UTF-8 (a pattern or path is UTF-8 text); else the escaped
 * text, which then selects nothing and the count shows it.
 */
export function fieldText(b: BStrJson | null): string {
  return b === null ? '' : typeof b === 'string' ? b : b.text;
}

/**
 * The uids of `users` (names or uids) as the list knows them: a name comes
 * from a listed process of that user. The names no listed process has are
 * returned apart; the backend looks them up in /etc/passwd.
 */
export function listedUids(procs: readonly ProcessInfo[], users: readonly string[]): { uids: number[]; unknown: string[] } {
  let names: Map<string, number> | undefined;
  const listed = () => {
    names ??= new Map(procs.filter((p) => p.user !== String(p.uid)).map((p) => [p.user, p.uid] as const));
    return names;
  };
  const uids = new Set<number>();
  const unknown: string[] = [];
  for (const u of users) {
    const r = resolveUsers([u], listed);
    if ('unknown' in r) unknown.push(r.unknown);
    else uids.add(r.uids[0]!);
  }
  return { uids: [...uids], unknown };
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
      const c = fieldText(p.cgroup);
      if (c === want || c.startsWith(under)) out.add(p.pid);
    }
    return out;
  }
  if ('comm' in sel) {
    const patterns = sel.comm.map(commPattern);
    for (const p of procs) if (p.pid !== selfPid && commMatches(bstrToBytes(bstrFromJson(p.comm)), patterns)) out.add(p.pid);
    return out;
  }
  if ('user' in sel) {
    const want = new Set(listedUids(procs, sel.user).uids);
    for (const p of procs) if (p.pid !== selfPid && want.has(p.uid)) out.add(p.pid);
    return out;
  }
  const key = sel.ns.type === 'pid' ? 'pidNs' : 'netNs';
  const ns = procs.find((p) => p.pid === sel.ns.of)?.[key];
  if (ns === null || ns === undefined) return out;
  for (const p of procs) if (p.pid !== selfPid && p[key] === ns) out.add(p.pid);
  return out;
}
