/** What a `ckpt` subcommand is: its help, its options, and what it does. */
import type { OptionSpec, Parsed } from './args.js';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Raw bytes to stdout (an image written with -o -). */
  outBytes: (b: Uint8Array) => void;
  isTTY: boolean;
}

export interface Command {
  name: string;
  usage: string;
  options: OptionSpec[];
  /**
   * Longer help printed after the options; a function when the text needs a
   * module that running the command does not always load.
   */
  details?: string | (() => Promise<string>);
  run(args: Parsed, io: Io): Promise<number> | number;
}

export function defineCommand(c: Command): Command {
  return c;
}
