/** Where the library lives: --home, else $CKPT_HOME, else the XDG data dir. */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface HomeOptions {
  /** --home DIR; wins over everything. */
  home?: string;
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
}

export function resolveHome(opts: HomeOptions = {}): string {
  const env = opts.env ?? process.env;
  if (opts.home) return resolve(opts.home);
  if (env.CKPT_HOME) return resolve(env.CKPT_HOME);
  const xdg = env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith('/') ? env.XDG_DATA_HOME : join(env.HOME || homedir(), '.local', 'share');
  return join(xdg, 'checkpoint-studio');
}
