/** What a `ckpt` subcommand is: its help, its options, and what it does. */
import type { OptionSpec, Parsed } from './args.js';

export interface Io {
  out: (s: string) => void;
  /**
   * Part of a text on stdout, as is (no newline added), terminal-safe as out:
   * a long output written in pieces. False when stdout's buffer is full:
   * wait for outDrain before writing more.
   */
  outPart: (s: string) => boolean | void;
  /** Resolves when stdout can take more after outPart returned false. */
  outDrain?: () => Promise<void>;
  err: (s: string) => void;
  /** Raw bytes to stdout (an image written with -o -). */
  outBytes: (b: Uint8Array) => void;
  /**
   * Resolves once every byte given to outBytes has reached the reader of
   * stdout; rejects (EPIPE) when that reader closed it first, so a command
   * whose stdout is its result does not report success for an image that
   * was cut off (ckpt.ts). Absent where no process stdout is written.
   */
  payloadDone?: () => Promise<void>;
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

/**
 * After a command wrote its result (`what`: an image, a report) to stdout:
 * true once it all reached the reader; false, having said so, when the
 * reader closed stdout before (ckpt capture -o - | head -c 10): the result
 * was not delivered, and the command fails rather than report success.
 */
export async function payloadDelivered(io: Io, command: string, what: string): Promise<boolean> {
  try {
    await io.payloadDone?.();
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    io.err(
      code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED'
        ? `ckpt ${command}: the reader of standard output closed it before the whole ${what} was written`
        : `ckpt ${command}: could not write the ${what} to standard output: ${(e as Error).message}`,
    );
    return false;
  }
}
