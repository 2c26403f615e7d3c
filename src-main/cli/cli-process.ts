/**
 * The process around a CLI run: its Io on stdout and stderr, EPIPE on
 * stdout, and the exit code. Shared by the CLI's entry (ckpt.ts) and the
 * capture's own (capture-main.ts).
 */
import type { Io } from './command.js';
import { terminalText } from '../../src-shared/model/index.js';

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

/** Runs `run` with the process's Io and sets the exit code from what it returns. */
export function runProcess(run: (io: Io) => Promise<number>): void {
  // EPIPE on stdout when it carries text (ckpt show | head) is the reader
  // hanging up, not a failure. When it carries the command's result (an image
  // or report written with -o -) the result was cut off: the command learns it
  // from payloadDone and fails, rather than report what was not delivered.
  let payload = false;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') {
      if (!payload) process.exit(0);
      return;
    }
    throw e;
  });

  const base = processIo();
  const io: Io = {
    ...base,
    outBytes: (b) => {
      payload = true;
      base.outBytes(b);
    },
    // An empty write's callback runs after every write before it is done, with the error if one failed.
    payloadDone: () => new Promise((resolve, reject) => process.stdout.write('', (e) => (e ? reject(e) : resolve()))),
  };

  run(io).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`ckpt: internal error: ${String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
