/**
 * The `ckpt` entry point's dispatch: the top-level help and version, then
 * the subcommand, whose module loads only now (run-command.ts runs it).
 */
import { APP_VERSION } from '../../src-shared/version.js';
import { COMMANDS } from './commands/index.js';
import type { Io } from './command.js';
import { commandHelp, runCommand } from './run-command.js';
import { FORMAT_MAJOR, FORMAT_MINOR } from '../../src-shared/model/index.js';

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
    io.out(target ? await commandHelp((await target.load()).default, target.summary) : topHelp());
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
  return runCommand((await entry.load()).default, entry.summary, rest, io);
}

export { runProcess } from './cli-process.js';
