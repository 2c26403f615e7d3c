import { describe, expect, it } from 'vitest';
import { SCENARIOS, simulate } from '../../src-main/sim/index.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { decodeImage } from '../../src-main/engine/reader.js';
import { KIND_NAMES, kindByName } from '../../src-shared/kinds/index.js';
import { holders, type Snapshot } from '../../src-shared/model/index.js';

const small = (name: string, seed = 1) => simulate({ scenario: name, seed, time: 1_700_000_000_000, processes: 5, fds: 20 });

function fileOf(s: Snapshot, pid: number, fd: number) {
  const t = s.tasks.find((x) => x.pid === pid)!;
  const table = s.fdTables.find((x) => x.ref === t.fdTable)!;
  const d = table.fds.find((x) => x.fd === fd)!;
  return s.files.find((f) => f.ref === d.file)!;
}

describe('simulations', () => {
  it('are deterministic: same name and seed give the same bytes', () => {
    for (const sc of SCENARIOS) {
      const a = encodeSnapshot(small(sc.name, 3));
      const b = encodeSnapshot(small(sc.name, 3));
      expect(Buffer.compare(a, b), sc.name).toBe(0);
    }
  });

  it('differ by seed where the scenario is randomised', () => {
    for (const name of ['web-server', 'database', 'large']) {
      expect(Buffer.compare(encodeSnapshot(small(name, 1)), encodeSnapshot(small(name, 2))), name).not.toBe(0);
    }
  });

  it('only the capture time differs between runs at different times', () => {
    const a = simulate({ scenario: 'web-server', time: 1 });
    const b = simulate({ scenario: 'web-server', time: 2 });
    expect({ ...b, header: { ...b.header, captureTime: 1 } }).toEqual(a);
  });

  it('between them use every kind, dup, fork inheritance, shared tables and close-on-exec', () => {
    const kinds = new Set<string>();
    let dupInProcess = false;
    let inheritedAcrossProcesses = false;
    let sharedTable = false;
    let cloexec = false;
    let cloexecDiffersOnOneFile = false;
    for (const sc of SCENARIOS) {
      const s = decodeImage(encodeSnapshot(small(sc.name)));
      for (const f of s.files) kinds.add(f.kind);
      const { fileHolders, tableTasks } = holders(s);
      for (const hs of fileHolders.values()) {
        const pids = new Set(hs.map((h) => h.pid));
        if (pids.size < hs.length) dupInProcess = true;
        if (pids.size > 1) inheritedAcrossProcesses = true;
      }
      for (const ts of tableTasks.values()) if (ts.length > 1) sharedTable = true;
      for (const t of s.fdTables) {
        const byFile = new Map<number, boolean[]>();
        for (const d of t.fds) {
          if (d.cloexec) cloexec = true;
          byFile.set(d.file, [...(byFile.get(d.file) ?? []), d.cloexec]);
        }
        for (const v of byFile.values()) if (new Set(v).size > 1) cloexecDiffersOnOneFile = true;
      }
    }
    expect([...kinds].sort()).toEqual([...KIND_NAMES].sort());
    expect(dupInProcess && inheritedAcrossProcesses && sharedTable && cloexec && cloexecDiffersOnOneFile).toBe(true);
  });

  it('everything: its anon file (an io_uring) carries the fdinfo lines a live capture keeps, through the image', () => {
    const s = decodeImage(encodeSnapshot(simulate({ scenario: 'everything', seed: 1 })));
    const anon = s.files.filter((f) => f.kind === 'anon');
    expect(anon.length).toBeGreaterThan(0);
    for (const f of anon) expect(f.attrs.fdinfo).toMatch(/^SqMask:\t0x[0-9a-f]+\n(.*\n)+$/);
  });

  it('web-server: workers share the master listening sockets and logs, each has its own epoll', () => {
    const s = decodeImage(encodeSnapshot(small('web-server')));
    const master = s.tasks.find((t) => t.pid === 1200)!;
    const workers = s.tasks.filter((t) => t.ppid === 1200);
    expect(workers.length).toBeGreaterThanOrEqual(2);
    const listenRef = fileOf(s, 1200, 5).ref; // after 0-2 and two logs
    expect(fileOf(s, 1200, 5).attrs.state).toBe('LISTEN');
    for (const w of workers) {
      expect(fileOf(s, w.pid, 5).ref).toBe(listenRef);
      expect(w.fdTable).not.toBe(master.fdTable);
    }
    // stderr is the error log, dup'd: one open file behind fds 2 and 4 of the master.
    expect(fileOf(s, 1200, 2).ref).toBe(fileOf(s, 1200, 4).ref);
    const epolls = workers.map(
      (w) =>
        s.fdTables
          .find((t) => t.ref === w.fdTable)!
          .fds.map((d) => s.files.find((f) => f.ref === d.file)!)
          .find((f) => f.kind === 'epoll')!.ref,
    );
    expect(new Set(epolls).size).toBe(workers.length);
  });

  it('pipeline: each pipe joins the writer of one stage to the reader of the next', () => {
    const s = decodeImage(encodeSnapshot(small('pipeline')));
    const stages = [2101, 2102, 2103, 2104];
    for (let i = 0; i < 3; i++) {
      const out = fileOf(s, stages[i]!, 1);
      const inn = fileOf(s, stages[i + 1]!, 0);
      expect(out.kind).toBe('pipe');
      expect(inn.kind).toBe('pipe');
      expect(out.ino).toBe(inn.ino);
      expect(out.attrs.end).toBe('write');
      expect(inn.attrs.end).toBe('read');
    }
    // The shell kept no pipe end open.
    const shell = s.fdTables.find((t) => t.ref === s.tasks.find((x) => x.pid === 2100)!.fdTable)!;
    expect(shell.fds.map((d) => d.fd)).toEqual([0, 1, 2, 255]);
  });

  it('threads: the JVM threads and the CLONE_FILES helper use one table', () => {
    const s = decodeImage(encodeSnapshot(small('threads')));
    const jvm = s.tasks.filter((t) => t.tgid === 3000 || t.pid === 3010);
    expect(jvm.length).toBe(6);
    expect(new Set(jvm.map((t) => t.fdTable)).size).toBe(1);
  });

  it('leaky: fds grow with the step', () => {
    const counts = [1, 2, 5].map((step) => {
      const s = simulate({ scenario: 'leaky', step, time: 0 });
      return s.fdTables[0]!.fds.length;
    });
    expect(counts[1]! - counts[0]!).toBe(4);
    expect(counts[2]! - counts[1]!).toBe(12);
  });

  it('leaky: like a real process, old fds keep their numbers from step to step; only client connections churn', () => {
    const table = (step: number) => {
      const s = simulate({ scenario: 'leaky', step, time: 0 });
      const files = new Map(s.files.map((f) => [f.ref, f]));
      return new Map(s.fdTables[0]!.fds.map((d) => [d.fd, files.get(d.file)!]));
    };
    for (let step = 1; step < 5; step++) {
      const a = table(step);
      const b = table(step + 1);
      for (const [fd, f] of a) {
        if (f.kind === 'inet-socket' && f.attrs.state === 'ESTABLISHED') continue;
        expect(b.get(fd)?.path, `step ${step} fd ${fd}`).toEqual(f.path);
      }
      const clients = (t: Map<number, { kind: string; attrs: Record<string, unknown> }>) =>
        [...t.values()]
          .filter((f) => f.attrs.state === 'ESTABLISHED')
          .map((f) => `${String(f.attrs.remoteAddr)}:${String(f.attrs.remotePort)}`);
      expect(clients(b)).not.toEqual(clients(a));
    }
  });

  it('large: processes x fds', () => {
    const s = simulate({ scenario: 'large', processes: 7, fds: 50, time: 0 });
    expect(s.tasks.length).toBe(8);
    for (const t of s.tasks.slice(1)) expect(s.fdTables.find((x) => x.ref === t.fdTable)!.fds.length).toBe(50);
  });

  it('rejects unknown scenarios and bad parameters with a message', () => {
    expect(() => simulate({ scenario: 'nope' })).toThrow(/unknown scenario "nope"; known: web-server/);
    expect(() => simulate({ scenario: 'large', processes: -1 })).toThrow(/--processes/);
    expect(() => simulate({ scenario: 'large', processes: 100000, fds: 100000 })).toThrow(/limited/);
  });
});

describe('decoded kind attributes', () => {
  it('are plain objects with every field of the kind, in its order, that a structured clone (Electron IPC) keeps whole', () => {
    const snap = decodeImage(encodeSnapshot(simulate({ scenario: 'everything', seed: 1 })));
    let checked = 0;
    for (const f of snap.files) {
      const spec = kindByName(f.kind)!;
      if (!spec.fields.length) continue;
      checked++;
      expect(Object.getPrototypeOf(f.attrs)).toBe(Object.prototype);
      expect(Object.keys(f.attrs)).toEqual(spec.fields.map((x) => x.name));
      expect(structuredClone(f.attrs)).toEqual(f.attrs);
    }
    expect(checked).toBeGreaterThan(10);
  });
});
