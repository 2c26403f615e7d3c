import { defineCommand } from '../command.js';
import { UsageError } from '../args.js';
import { resolveHome } from '../../store/index.js';
import { startBrowserHost } from '../../host/browser-host.js';
import { packageRoot, rendererDir } from '../../host/paths.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

export default defineCommand({
  name: 'serve',
  usage: 'ckpt serve [--port N] [--home DIR]',
  options: [
    { name: 'port', type: 'int', value: 'N', help: 'port on 127.0.0.1 (default: a free one)' },
    { name: 'renderer', type: 'string', value: 'DIR', help: 'built renderer to serve (default: out/renderer)' },
  ],
  details:
    'Prints a URL with a per-run access token; open it in a browser on this machine.\nRequests without the token, or naming another Host or Origin, are refused.\nStops on Ctrl-C.',
  async run({ opts }, io) {
    const port = opts.port as number | undefined;
    if (port !== undefined && (port < 0 || port > 65535)) throw new UsageError(`--port must be 0-65535, got ${port}`);
    const home = resolveHome({ home: opts.home as string | undefined });
    const staticDir = (opts.renderer as string | undefined) ?? rendererDir();
    // A checkout that has not built the renderer yet builds it now, once.
    const builder = join(packageRoot(), 'scripts', 'build-renderer.mjs');
    if (!opts.renderer && !existsSync(join(staticDir, 'index.html')) && existsSync(builder)) {
      io.err('building the renderer (first run) ...');
      const r = spawnSync(process.execPath, [builder], { stdio: ['ignore', 'ignore', 'inherit'] });
      if (r.status !== 0) io.err(`ckpt serve: could not build the renderer (${builder} exited ${r.status}); the page will say so`);
    }
    const host = await startBrowserHost({ home, port, staticDir, log: io.err });
    io.out(`Checkpoint Studio is at ${host.url}`);
    io.err(`library: ${home}`);
    await new Promise<void>((done) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void host.close().then(done);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
});
