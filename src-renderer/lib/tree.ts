/**
 * The process tree of an image as rows to show: each process under its
 * parent, threads under their leader, in pid order. Depth-first, without
 * recursion, so a deep chain of 100,000 processes cannot blow the stack.
 */
import type { TaskRow } from '../../src-shared/api/results.js';

export interface TreeRow {
  task: TaskRow;
  depth: number;
  thread: boolean;
}

export function buildTree(tasks: TaskRow[]): TreeRow[] {
  const byPid = new Map<number, TaskRow>();
  for (const t of tasks) if (!byPid.has(t.pid)) byPid.set(t.pid, t);
  const children = new Map<number, TaskRow[]>();
  const roots: TaskRow[] = [];
  for (const t of tasks) {
    const isThread = t.tgid !== t.pid && byPid.has(t.tgid);
    const parent = isThread ? t.tgid : t.ppid;
    if (parent !== t.pid && byPid.has(parent)) {
      let l = children.get(parent);
      if (!l) children.set(parent, (l = []));
      l.push(t);
    } else roots.push(t);
  }
  const out: TreeRow[] = [];
  const seen = new Set<number>();
  const stack: { t: TaskRow; depth: number }[] = roots.sort((a, b) => b.pid - a.pid).map((t) => ({ t, depth: 0 }));
  while (stack.length) {
    const { t, depth } = stack.pop()!;
    if (seen.has(t.pid)) continue;
    seen.add(t.pid);
    out.push({ task: t, depth, thread: t.tgid !== t.pid });
    const kids = (children.get(t.pid) ?? []).slice().sort((a, b) => b.pid - a.pid);
    for (const k of kids) stack.push({ t: k, depth: depth + 1 });
  }
  // Anything left (a parent cycle in a hostile image) still shows, at the top level.
  for (const t of tasks) if (!seen.has(t.pid)) out.push({ task: t, depth: 0, thread: t.tgid !== t.pid });
  return out;
}
