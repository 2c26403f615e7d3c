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
   * true: the command takes positional arguments (image files, ids, a
   * query) and checks their number itself. Otherwise it takes none, and a
   * stray word is a usage error naming it (args.ts), never ignored.
   */
  positional?: true;
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
