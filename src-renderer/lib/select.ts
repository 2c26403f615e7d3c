/**
 * Which listed processes a capture by namespace, cgroup, user or name
 * covers, for the Capture view's count and marks. The backend selects anew
 * when it captures (src-main/sources/proc/select.ts); this applies its
 * rules (the same code, for cgroup paths and comm patterns) to the list the
 * view holds, so the count says what the capture will take unless
 * processes came or went meanwhile.
 */
import type { ProcessInfo } from '../../src-shared/api/results.js';
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

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The bytes of a name the backend sent escaped (displayBStr: the list's
 * comm). The escaping is reversible (a backslash is always escaped itself),
 * and a comm pattern is matched against bytes, as the capture matches it.
 */
export function displayedBytes(text: string): Uint8Array {
  const out: number[] = [];
  const push = (s: string) => out.push(...utf8.encode(s));
  for (let i = 0; i < text.length;) {
    if (text[i] === '\\') {
      const c = text[i + 1];
      if (c === 'x') {
        // A control character or a byte that is not UTF-8: either way, this byte.
        out.push(parseInt(text.slice(i + 2, i + 4), 16));
        i += 4;
        continue;
      }
      if (c === 'u') {
        push(String.fromCodePoint(parseInt(text.slice(i + 2, i + 6), 16)));
        i += 6;
        continue;
      }
      out.push(c === 'n' ? 10 : c === 'r' ? 13 : c === 't' ? 9 : 92);
      i += 2;
      continue;
    }
    const cp = text.codePointAt(i)!;
    push(String.fromCodePoint(cp));
    i += cp > 0xffff ? 2 : 1;
  }
  return Uint8Array.from(out);
}

/**
 * A listed comm as the name field edits it: its own text when its bytes
 * are UTF-8 (a pattern is UTF-8 text); else the escaped text, which then
 * selects nothing and the count shows it.
 */
export function commText(displayed: string): string {
  try {
    return strictUtf8.decode(displayedBytes(displayed));
  } catch {
    return displayed;
  }
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
  if ('comm' in sel) {
    const patterns = sel.comm.map(commPattern);
    for (const p of procs) if (p.pid !== selfPid && commMatches(displayedBytes(p.comm), patterns)) out.add(p.pid);
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
