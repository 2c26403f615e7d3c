/**
 * The Electron boundary without an Electron binary: the sender check the
 * main process applies to every call, and the preload's bridge (run against
 * a stand-in for the electron module, recording what it exposes).
 */
import { describe, expect, it, vi } from 'vitest';
import { trustedSender } from '../../src-main/host/ipc-guard.js';
import { METHOD_LIST, IPC_PREFIX, EVENT_CHANNEL } from '../../src-shared/api/methods.js';

const APP = 'file:///opt/Checkpoint%20Studio/resources/app.asar/out/renderer/index.html';

describe('IPC sender check', () => {
  const ok = { fromAppWindow: true, topFrame: true, frameUrl: APP };
  it('answers the app window top frame on the app page', () => {
    expect(trustedSender(ok, APP)).toBe(true);
    expect(trustedSender({ ...ok, frameUrl: `${APP}#/inspector` }, APP)).toBe(true);
    expect(trustedSender({ ...ok, frameUrl: 'http://localhost:5173/' }, 'http://localhost:5173/')).toBe(true);
  });
  it('refuses other windows, iframes, other pages and vanished frames', () => {
    expect(trustedSender({ ...ok, fromAppWindow: false }, APP)).toBe(false);
    expect(trustedSender({ ...ok, topFrame: false }, APP)).toBe(false);
    expect(trustedSender({ ...ok, frameUrl: null }, APP)).toBe(false);
    expect(trustedSender({ ...ok, frameUrl: 'https://evil.example/index.html' }, APP)).toBe(false);
    expect(trustedSender({ ...ok, frameUrl: 'file:///tmp/evil/index.html' }, APP)).toBe(false);
    expect(trustedSender({ ...ok, frameUrl: 'http://localhost:5174/' }, 'http://localhost:5173/')).toBe(false);
    expect(trustedSender({ ...ok, frameUrl: 'not a url' }, APP)).toBe(false);
  });
});

describe('preload bridge', () => {
  it('exposes one function per contract method and an event subscription, never ipcRenderer', async () => {
    const exposed: Record<string, Record<string, unknown>> = {};
    const invoked: [string, unknown][] = [];
    const listeners = new Map<string, (...a: unknown[]) => void>();
    vi.doMock('electron', () => ({
      contextBridge: { exposeInMainWorld: (k: string, v: Record<string, unknown>) => (exposed[k] = v) },
      ipcRenderer: {
        invoke: async (ch: string, a: unknown) => {
          invoked.push([ch, a]);
          return { ok: true, result: ch };
        },
        on: (ch: string, l: (...a: unknown[]) => void) => listeners.set(ch, l),
        removeListener: (ch: string) => listeners.delete(ch),
      },
    }));
    await import('../../src-main/host/preload.js');
    const api = exposed.ckpt!;
    expect(Object.keys(api).sort()).toEqual([...METHOD_LIST, 'onEvent'].sort());
    expect(Object.values(exposed).some((v) => 'ipcRenderer' in v || 'invoke' in v || 'send' in v)).toBe(false);
    for (const m of METHOD_LIST) {
      const r = await (api[m] as (a: unknown) => Promise<unknown>)({ probe: m });
      expect(r).toEqual({ ok: true, result: IPC_PREFIX + m });
    }
    expect(invoked.map(([ch]) => ch)).toEqual(METHOD_LIST.map((m) => IPC_PREFIX + m));
    const got: unknown[] = [];
    const off = (api.onEvent as (cb: (e: unknown) => void) => () => void)((e) => got.push(e));
    listeners.get(EVENT_CHANNEL)!({ sender: 'main' }, { type: 'library.changed', reason: 'import', ids: ['x'] });
    expect(got).toEqual([{ type: 'library.changed', reason: 'import', ids: ['x'] }]);
    off();
    expect(listeners.has(EVENT_CHANNEL)).toBe(false);
    vi.doUnmock('electron');
  });
});
