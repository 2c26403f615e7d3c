import { describe, expect, it } from 'vitest';
import { epollEventsText, inotifyMaskText, sigsetText, socketTypeText } from '../../src-shared/kinds/masks.js';
import { attrShown } from '../../src-shared/kinds/display.js';

describe('kind attributes shown by name', () => {
  it('an epoll event mask: the names and the hex fdinfo prints', () => {
    expect(epollEventsText(25)).toBe('EPOLLIN|EPOLLERR|EPOLLHUP (0x19)');
    expect(epollEventsText(0x80000005)).toBe('EPOLLIN|EPOLLOUT|EPOLLET (0x80000005)');
    expect(epollEventsText(0)).toBe('0 (0x0)');
    // A bit without a name stays visible.
    expect(epollEventsText(0x1001)).toBe('EPOLLIN|0x1000 (0x1001)');
  });
  it('an inotify mask', () => {
    expect(inotifyMaskText(256)).toBe('IN_CREATE (0x100)');
    expect(inotifyMaskText(0x40000300)).toBe('IN_CREATE|IN_DELETE|IN_ISDIR (0x40000300)');
  });
  it('a signal set: hex, names, real-time signals by number in runs', () => {
    expect(sigsetText(18446744065119682560n)).toBe('0xfffffffe00010000: SIGCHLD, 34-64');
    expect(sigsetText('18446744065119682560' as unknown as bigint)).toBe('0xfffffffe00010000: SIGCHLD, 34-64');
    expect(sigsetText((1n << 0n) | (1n << 14n))).toBe('0x0000000000004001: SIGHUP, SIGTERM');
    expect(sigsetText(1n << 33n)).toBe('0x0000000200000000: 34');
    expect(sigsetText(0)).toBe('0x0000000000000000: no signals');
  });
  it('a socket type', () => {
    expect(socketTypeText(3)).toBe('SOCK_RAW (3)');
    expect(socketTypeText(99)).toBe('99');
  });
  it('the app finds each through the kind schema, devices as major:minor', () => {
    expect(attrShown('epoll', 'watches', 25, 'events')).toBe('EPOLLIN|EPOLLERR|EPOLLHUP (0x19)');
    expect(attrShown('epoll', 'watches', 16, 'sdev')).toBe('0:16');
    expect(attrShown('inotify', 'watches', 65024, 'sdev')).toBe('254:0');
    expect(attrShown('inotify', 'watches', 256, 'mask')).toBe('IN_CREATE (0x100)');
    expect(attrShown('signalfd', 'sigmask', '18446744065119682560')).toBe('0xfffffffe00010000: SIGCHLD, 34-64');
    expect(attrShown('packet-socket', 'type', 3)).toBe('SOCK_RAW (3)');
    // Fields without a `show` are shown as they are.
    expect(attrShown('epoll', 'watches', 5, 'tfd')).toBeNull();
    expect(attrShown('eventfd', 'count', 5)).toBeNull();
  });
});

describe('an unresolved socket', () => {
  it("labels 'unlisted' as what a true says, so a false beside 'in no socket table' does not contradict it", async () => {
    const { kindByName } = await import('../../src-shared/kinds/index.js');
    const f = kindByName('socket')!.fields.find((x) => x.name === 'unlisted')!;
    expect(f.label).not.toMatch(/^Not in the socket tables/);
    expect(f.label).toMatch(/^Opened or closed while the capture ran/);
  });
});

describe('a signalfd', () => {
  it('is titled by its mask in hex and the signals it stands for', async () => {
    const { kindByName } = await import('../../src-shared/kinds/index.js');
    const spec = kindByName('signalfd')!;
    const f = { attrs: { sigmask: 18446744065119682560n } } as unknown as Parameters<NonNullable<typeof spec.summary>>[0];
    expect(spec.summary!(f)).toBe('signalfd mask 0xfffffffe00010000: SIGCHLD, 34-64');
  });
});
