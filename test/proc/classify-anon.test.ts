/** Anon inodes without a kind of their own, classified from hand-made raw fds: what of fdinfo they keep. */
import { describe, expect, it } from 'vitest';
import { classify, type ClassifyContext } from '../../src-main/sources/proc/classify/index.js';
import { emptyRawFd } from '../../src-main/sources/proc/raw-read.js';

const ctx: ClassifyContext = { pid: 1, net: () => null, sockProtoName: () => '' };

function file(link: string, extra: string) {
  const raw = { ...emptyRawFd(), fd: 5, link, flags: 0o2000002, fdinfoIno: 1039, extra };
  const keys: string[] = [];
  const f = classify(raw, ctx, keys, 0);
  return { f, key: keys[0]! };
}

describe('anon inodes this version has no kind for', () => {
  it('keep their own fdinfo lines byte for byte, without the lock: lines the locks field holds', () => {
    const { f, key } = file(
      'anon_inode:bpf-map',
      'lock:\t1: FLOCK  ADVISORY  WRITE 42 00:10:1039 0 EOF\nmap_type:\t2\nkey_size:\t4\nlock:\t1: -> FLOCK  ADVISORY  WRITE 43 00:10:1039 0 EOF\nmap_id:\t9\n',
    );
    expect(f.kind).toBe('anon');
    expect(f.path).toBe('anon_inode:bpf-map');
    expect(f.attrs).toEqual({ fdinfo: 'map_type:\t2\nkey_size:\t4\nmap_id:\t9\n' });
    expect(f.locks).toEqual([{ kind: 'flock', write: true, pid: 42, start: 0, end: null }]);
    expect(key.startsWith('a:')).toBe(true);
  });
  it('bytes that are not UTF-8 stay bytes; UTF-8 reads as text', () => {
    // raw fdinfo is latin1: one char per byte.
    expect(file('anon_inode:bpf-prog', 'name:\tp\xff\n').f.attrs.fdinfo).toEqual(Uint8Array.from([...Buffer.from('name:\tp'), 0xff, 0x0a]));
    expect(file('anon_inode:bpf-prog', Buffer.from('name:\tp\u00e9\n').toString('latin1')).f.attrs.fdinfo).toBe('name:\tp\u00e9\n');
  });
  it('a link of no known shape is kept the same way', () => {
    const { f, key } = file('future_fs:[77]', 'future:\tyes\n');
    expect(f.kind).toBe('anon');
    expect(f.attrs).toEqual({ fdinfo: 'future:\tyes\n' });
    expect(key.startsWith('u:')).toBe(true);
  });
  it('none left: empty, and the known kinds carry no fdinfo attribute', () => {
    expect(file('anon_inode:[perf_event]', '').f.attrs).toEqual({ fdinfo: '' });
    expect(file('anon_inode:[signalfd]', 'sigmask:\t0000000000000200\n').f.attrs).toEqual({ sigmask: 0x200 });
  });
});
