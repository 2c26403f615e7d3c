/**
 * The preload of the sandboxed renderer, bundled to CommonJS (out/preload/
 * index.cjs) because a sandboxed preload cannot load ES modules. It exposes one function per contract method,
 * each invoking that method's own channel, and an event subscription;
 * the page never sees ipcRenderer itself.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { EVENT_CHANNEL, IPC_PREFIX, METHOD_LIST } from '../../src-shared/api/methods.js';

const api: Record<string, unknown> = {};
for (const m of METHOD_LIST) api[m] = (args: unknown) => ipcRenderer.invoke(IPC_PREFIX + m, args);
api.onEvent = (cb: (ev: unknown) => void) => {
  const listener = (_e: IpcRendererEvent, ev: unknown) => cb(ev);
  ipcRenderer.on(EVENT_CHANNEL, listener);
  return () => ipcRenderer.removeListener(EVENT_CHANNEL, listener);
};
contextBridge.exposeInMainWorld('ckpt', api);
