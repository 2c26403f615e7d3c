/**
 * An image report names a container's processes as the container knows
 * them (the pid inside, and the ids inside a user namespace of their own,
 * format 1.6), and a listener's accept queue against its backlog; an older
 * image says what it recorded and no more.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { simulate } from '../../src-main/sim/index.js';
import { Store } from '../../src-main/store/index.js';
import { tempHome, T0 } from '../store/helpers.js';

let store: Store;
let cleanup: () => void;
const ids = { now: '', v15: '', v14: '' };
const golden = (v: string) => readFileSync(join(__dirname, '..', 'fixtures', `golden-everything-${v}.ckpt`));

beforeAll(() => {
  const h = tempHome();
  cleanup = h.cleanup;
  store = Store.open(h.home);
  ids.now = store.importBytes(encodeSnapshot(simulate({ scenario: 'everything', time: T0 }))).image.id;
  ids.v15 = store.importBytes(golden('1.5')).image.id;
  ids.v14 = store.importBytes(golden('1.4')).image.id;
});
afterAll(() => {
  store.close();
  cleanup();
});

/** Markdown with its backslash escapes taken off, to read it as text. */
const md = (id: string) => store.export({ what: 'image', id }, 'md').replace(/\\(.)/g, '$1');
const HEADING = '## Processes in namespaces of their own';

describe('the image report', () => {
  it("lists the container's process with its pid and ids inside", () => {
    const text = md(ids.now);
    const at = text.indexOf(`\n${HEADING}\n`);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(text.slice(at)).toMatch(/\| pid \| comm \| pid inside \| uid \| uid inside \| gid \| gid inside \|/);
    expect(text.slice(at)).toContain('| 6001 | kitchen-child | 1 | 100000 | 0 | 100000 | 0 |');
    // The parent shares the capture's namespaces: not listed.
    expect(text.slice(at)).not.toContain('| 6000 |');
  });
  it("shows a listener's accept queue against its backlog in its fds", () => {
    expect(md(ids.now)).toContain('tcp4 0.0.0.0:8443 LISTEN accept-q 3 of 128');
  });
  it('of a 1.5 image: the pid inside, the ids inside not recorded then', () => {
    const text = md(ids.v15);
    // 1.5 recorded no ids inside: not known, not "the capture's" (this one had its own user namespace).
    expect(text).toContain('| 6001 | kitchen-child | 1 | 0 | not recorded | 0 | not recorded |');
    expect(text).not.toContain("(the capture's)");
    expect(text).toContain('tcp4 0.0.0.0:8443 LISTEN');
    expect(text).not.toContain('accept-q');
  });
  it("of a 1.6 image: the capture's only where it read the task's user namespace and found it its own", () => {
    const snap = simulate({ scenario: 'everything', time: T0 });
    const child = snap.tasks.find((t) => t.pid === 6001)!;
    delete child.userNsIds;
    // As a /proc capture records a task whose user namespace link it read (the simulation records none).
    expect(child.namespaces.some((n) => n.type === 'user')).toBe(false);
    child.namespaces.push({ type: 'user', ino: 4026531837 });
    const row = (s: typeof snap) => {
      const text = md(store.importBytes(encodeSnapshot(s)).image.id);
      return text
        .slice(text.indexOf(`\n${HEADING}\n`))
        .split('\n')
        .find((l) => l.startsWith('| 6001 |'));
    };
    expect(row(snap)).toBe("| 6001 | kitchen-child | 1 | 100000 | (the capture's) | 100000 | (the capture's) |");
    // Its id map unreadable: an error record on it, and the ids not known.
    const mapErr = { errno: 'EACCES', pid: 6001, fd: -1, where: '/proc/6001/gid_map', message: 'cannot read' };
    expect(row({ ...snap, errors: [...snap.errors, mapErr] })).toBe(
      '| 6001 | kitchen-child | 1 | 100000 | not recorded | 100000 | not recorded |',
    );
    // Its namespace links unreadable (another user's process, an unprivileged capture): not known either.
    const unlinked = { ...child, namespaces: child.namespaces.filter((n) => n.type !== 'user') };
    expect(row({ ...snap, tasks: snap.tasks.map((t) => (t === child ? unlinked : t)) })).toBe(
      '| 6001 | kitchen-child | 1 | 100000 | not recorded | 100000 | not recorded |',
    );
  });
  it('of a 1.4 image, which recorded neither: no such table', () => {
    expect(md(ids.v14)).not.toContain(HEADING);
  });
});
