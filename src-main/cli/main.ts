/**
 * The `ckpt` entry point: dispatches to a subcommand, and turns every known
 * failure into one line on stderr and a non-zero exit (2 for usage errors,
 * 1 for the rest). An unexpected exception still exits 1, with its stack
 * only when CKPT_DEBUG is set.
 */
import { APP_VERSION } from '../../src-shared/version.js';
import { COMMANDS } from './commands/index.js';
import { UsageError, formatOptions, parseArgs } from './args.js';
import type { Command, Io } from './command.js';
import { FORMAT_MAJOR, FORMAT_MINOR, terminalText } from '../../src-shared/model/index.js';
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

async function help(c: Command, summary: string): Promise<string> {
  const details = typeof c.details === 'function' ? await c.details() : c.details;
  return `usage: ${c.usage}\n\n${summary}\n\noptions:\n${formatOptions(c.options)}${details ? `\n\n${details}` : ''}`;
}

function topHelp(): string {
  const rows = COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n');
  return `usage: ckpt COMMAND [options]\n\nCheckpoint Studio: capture, inspect and compare the open files of Linux processes.\n\ncommands:\n${rows}\n\nRun "ckpt COMMAND --help" for a command's options.`;
}

/** `ckpt --home DIR COMMAND ...` as `ckpt COMMAND --home DIR ...`: every command takes --home, before it or after. */
function homeFirst(argv: string[]): string[] {
  if (argv[0] === '--home' && argv.length > 2) return [argv[2]!, '--home', argv[1]!, ...argv.slice(3)];
  if (argv[0]?.startsWith('--home=') && argv.length > 1) return [argv[1]!, argv[0], ...argv.slice(2)];
  return argv;
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = homeFirst(argv);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const target = name === 'help' && rest[0] ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.out(target ? await help((await target.load()).default, target.summary) : topHelp());
    return 0;
  }
  if (name === '--version') {
    io.out(`ckpt ${APP_VERSION} (image format ${FORMAT_MAJOR}.${FORMAT_MINOR})`);
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    io.err(`ckpt: unknown command "${name}"; run "ckpt --help" for the list`);
    return 2;
  }
  const cmd = (await entry.load()).default;
  try {
    const parsed = parseArgs(rest, cmd.options, cmd.positional ? {} : { noPositional: { command: cmd.name } });
    if (parsed.opts.help) {
      io.out(await help(cmd, entry.summary));
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

export function processIo(): Io {
  return {
    // Text output goes through terminalText: no control character from a name reaches the terminal raw.
    out: (s) => process.stdout.write(terminalText(s.endsWith('\n') ? s : s + '\n')),
    outPart: (s) => process.stdout.write(terminalText(s)),
    outDrain: () => new Promise((resolve) => process.stdout.once('drain', resolve)),
    err: (s) => process.stderr.write(terminalText(s.endsWith('\n') ? s : s + '\n')),
    // stdout may queue the chunk; the writer reuses its buffer, so hand over a copy.
    outBytes: (b) => process.stdout.write(Buffer.from(b)),
    isTTY: Boolean(process.stdout.isTTY),
  };
}
