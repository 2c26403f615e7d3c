/** One-line summaries of anon kinds (describeFile): which fds an epoll watches, watch counts said right, timer clocks by name. */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src-main/sim/index.js';
import { describeFile, type AttrRecord, type OpenFile } from '../../src-shared/model/index.js';
import { lsofFile } from '../../src-main/cli/render-lsof.js';

const ofKind = (kind: string): OpenFile => simulate({ scenario: 'everything', seed: 1, time: 0 }).files.find((f) => f.kind === kind)!;

describe('kind summaries', () => {
  it('epoll names the fds it watches, the first eight', () => {
    const e = ofKind('epoll');
    const tfds = (e.attrs.watches as { tfd: number }[]).map((w) => w.tfd);
    expect(describeFile(e)).toBe(`epoll watching ${tfds.length} (fds ${tfds.join(', ')})`);
    const many = {
      ...e,
      attrs: { watches: Array.from({ length: 10 }, (_, i) => ({ tfd: i + 3, events: 1, data: 0, ino: 0, sdev: 0, file: 0 })) },
    };
    expect(describeFile(many)).toBe('epoll watching 10 (fds 3, 4, 5, 6, 7, 8, 9, 10, …)');
    expect(describeFile({ ...e, attrs: { watches: [many.attrs.watches[0]!] } })).toBe('epoll watching 1 (fd 3)');
    expect(describeFile({ ...e, attrs: { watches: [] } })).toBe('epoll watching 0');
  });
  it('an O_PATH fd on a symlink or a socket file (kind regular) says what it is; lsof calls it LINK or sock', () => {
    const r = ofKind('regular');
    expect(describeFile({ ...r, path: '/tmp/sym', mode: 0o120777 })).toBe('/tmp/sym (symlink)');
    expect(describeFile({ ...r, path: '/tmp/s', mode: 0o140755 })).toBe('/tmp/s (socket file)');
    expect(describeFile({ ...r, path: '/tmp/f', mode: 0o100644 })).toBe('/tmp/f');
    expect(describeFile({ ...r, path: '/tmp/f', mode: 0 })).toBe('/tmp/f');
    expect(lsofFile({ ...r, path: '/tmp/sym', mode: 0o120777 }).type).toBe('LINK');
    expect(lsofFile({ ...r, path: '/tmp/s', mode: 0o140755 }).type).toBe('sock');
    expect(lsofFile({ ...r, path: '/tmp/f', mode: 0o100644 }).type).toBe('REG');
  });
  it('inotify counts watches in the singular and plural', () => {
    const i = ofKind('inotify');
    const w = (i.attrs.watches as AttrRecord[])[0]!;
    expect(describeFile({ ...i, attrs: { watches: [w] } })).toBe('inotify with 1 watch');
    expect(describeFile({ ...i, attrs: { watches: [w, w] } })).toBe('inotify with 2 watches');
  });
  it('timerfd says its clock by name, and whether it repeats, fires once or is disarmed', () => {
    const t = ofKind('timerfd');
    const at = (a: Record<string, number>) => describeFile({ ...t, attrs: { ...t.attrs, ...a } });
    expect(at({ clockid: 1, intervalSec: 1, intervalNsec: 0 })).toBe('timerfd CLOCK_MONOTONIC every 1.000000000s');
    expect(at({ clockid: 0, intervalSec: 0, intervalNsec: 0, valueSec: 2, valueNsec: 500 })).toBe(
      'timerfd CLOCK_REALTIME once, in 2.000000500s',
    );
    expect(at({ clockid: 7, intervalSec: 0, intervalNsec: 0, valueSec: 0, valueNsec: 0 })).toBe('timerfd CLOCK_BOOTTIME disarmed');
    expect(at({ clockid: 42, intervalSec: 0, intervalNsec: 5, valueSec: 0, valueNsec: 0 })).toBe('timerfd clock 42 every 0.000000005s');
  });
  it('memfd gives its size as show gives sizes', () => {
    const m = ofKind('memfd');
    expect(describeFile({ ...m, size: 1000, deleted: false })).toBe(`memfd:${String(m.attrs.name)} (1000 B)`);
    expect(describeFile({ ...m, size: 5 * 1024 * 1024, deleted: true })).toBe(`memfd:${String(m.attrs.name)} (5.0 MiB) (deleted)`);
    // Where the image records its blocks (1.8): the memory it holds, beside its size where that says more.
    const held = (blocks: number, size: number) =>
      describeFile({ ...m, size, deleted: false, attrs: { ...m.attrs, blocksKnown: true, blocks } });
    expect(held(8, 2 ** 30)).toBe(`memfd:${String(m.attrs.name)} (4.0 KiB memory held, size 1.0 GiB)`);
    expect(held(8, 4096)).toBe(`memfd:${String(m.attrs.name)} (4.0 KiB memory held)`);
    expect(held(0, 4096)).toBe(`memfd:${String(m.attrs.name)} (0 B memory held, size 4.0 KiB)`);
  });
  it('a udp socket not connected reads UNCONN, as ss says it; a tcp one in CLOSE stays CLOSE', () => {
    const sock = ofKind('inet-socket');
    const at = (proto: string, state: string) =>
      describeFile({ ...sock, deleted: false, attrs: { ...sock.attrs, proto, state, remotePort: 0, rxQueue: 0, txQueue: 0 } });
    expect(at('udp', 'CLOSE')).toMatch(/^udp\S* \S+ UNCONN$/);
    expect(at('tcp', 'CLOSE')).toMatch(/^tcp\S* \S+ CLOSE$/);
    expect(at('udp', 'ESTABLISHED')).toMatch(/ ESTABLISHED$/);
  });
});
