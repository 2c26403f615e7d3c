/**
 * One subcommand run: its options parsed, --help answered, and every known
 * failure turned into one line on stderr and a non-zero exit (2 for usage
 * errors, 1 for the rest). An unexpected exception still exits 1, with its
 * stack only when CKPT_DEBUG is set. Shared by the CLI's entry (main.ts)
 * and the capture's own (capture-main.ts).
 */
import { UsageError, formatOptions, parseArgs } from './args.js';
import type { Command, Io } from './command.js';
import { exactPath, readablePath } from './raw-argv.js';

/** Commands whose arguments may be image files or CRIU dumps, to be opened by their exact bytes. */
const FILE_ARGS = new Set(['show', 'verify', 'records', 'import', 'diff']);

/** The positional arguments of `cmd` that may be files: export's only after image or diff (a search's query is no file). */
function fileArgs(cmd: string, positional: string[]): string[] {
  if (FILE_ARGS.has(cmd)) return positional.map(readablePath);
  if (cmd === 'export' && (positional[0] === 'image' || positional[0] === 'diff'))
    return [positional[0], ...positional.slice(1).map(readablePath)];
  return positional;
}

export async function commandHelp(c: Command, summary: string): Promise<string> {
  const details = typeof c.details === 'function' ? await c.details() : c.details;
  return `usage: ${c.usage}\n\n${summary}\n\noptions:\n${formatOptions(c.options)}${details ? `\n\n${details}` : ''}`;
}

export async function runCommand(cmd: Command, summary: string, rest: string[], io: Io): Promise<number> {
  try {
    const parsed = parseArgs(rest, cmd.options, cmd.positional ? {} : { noPositional: { command: cmd.name } });
    if (parsed.opts.help) {
      io.out(await commandHelp(cmd, summary));
      return 0;
    }
    exactPath('-o', parsed.opts.output);
    exactPath('--home', parsed.opts.home);
    parsed.positional = fileArgs(cmd.name, parsed.positional);
    return await cmd.run(parsed, io);
  } catch (e) {
    const err = e as Error;
    if (e instanceof UsageError) {
      io.err(`ckpt ${cmd.name}: ${err.message}\nusage: ${cmd.usage}`);
      return 2;
    }
    // An argument the command could not make sense of (a query that does
    // not parse, a simulation that does not exist) is the caller's to fix,
    // like an unknown option; the message already points at it.
    if (err?.name === 'QueryError' || err?.name === 'SimError') {
      io.err(`ckpt ${cmd.name}: ${err.message}`);
      return 2;
    }
    const known = ['ImageError', 'ModelError', 'StoreError', 'CaptureError'];
    if (known.includes(err?.name)) {
      io.err(`ckpt ${cmd.name}: ${err.message}`);
      return 1;
    }
    const code = (e as NodeJS.ErrnoException)?.code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      io.err(`ckpt ${cmd.name}: ${err.message}`);
      return 1;
    }
    io.err(`ckpt ${cmd.name}: internal error: ${err?.message ?? String(e)}${process.env.CKPT_DEBUG ? `\n${err?.stack}` : ''}`);
    return 1;
  }
}
