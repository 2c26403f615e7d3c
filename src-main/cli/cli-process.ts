/**
 * The process around a CLI run: its Io on stdout and stderr, EPIPE on
 * stdout, and the exit code. Shared by the CLI's entry (ckpt.ts) and the
 * capture's own (capture-main.ts).
 *
 * Lines of text go to fds 1 and 2 by writeSync, not through process.stdout
 * and process.stderr: those are streams whose modules node loads on first
 * use (twenty of them, compiled afresh under the V8 flags a capture runs
 * with, ~3 ms of its start), and a capture writes nothing else. A write
 * that would block (a descriptor someone made non-blocking) goes through
 * the stream; on Linux the streams of a file, pipe or terminal write at
 * once too, so the two never reorder.
 */
import { writeSync } from 'node:fs';
import type { Io } from './command.js';
import { terminalText } from '../../src-shared/model/index.js';

/** Writes `s` whole to fd 1 or 2; through the stream after EAGAIN. EPIPE and the rest are thrown. */
function writeText(fd: 1 | 2, s: string): void {
  const b = Buffer.from(s, 'utf8');
  let off = 0;
  try {
    while (off < b.length) off += writeSync(fd, b, off, b.length - off);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
    (fd === 1 ? process.stdout : process.stderr).write(b.subarray(off));
  }
}

const line = (s: string) => terminalText(s.endsWith('\n') ? s : s + '\n');

/** Runs `run` with the process's Io and sets the exit code from what it returns. */
export function runProcess(run: (io: Io) => Promise<number>): void {
  // EPIPE on stdout when it carries text (ckpt show | head) is the reader
  // hanging up, not a failure. When it carries the command's result (an image
  // or report written with -o -) the result was cut off: the command learns it
  // from payloadDone and fails, rather than report what was not delivered.
  let payload = false;
  const epipe = (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') {
      if (!payload) process.exit(0);
      return;
    }
    throw e;
  };
  // The stream, with its EPIPE handler set when it is first used (not before: see above).
  let watched = false;
  const stdout = (): NodeJS.WriteStream => {
    if (!watched) {
      watched = true;
      process.stdout.on('error', epipe);
    }
    return process.stdout;
  };
  // Text output goes through terminalText: no control character from a name reaches the terminal raw.
  const io: Io = {
    out: (s) => {
      try {
        writeText(1, line(s));
      } catch (e) {
        epipe(e as NodeJS.ErrnoException);
      }
    },
    err: (s) => writeText(2, line(s)),
    outPart: (s) => stdout().write(terminalText(s)),
    outDrain: () => new Promise((resolve) => stdout().once('drain', resolve)),
    // stdout may queue the chunk; the writer reuses its buffer, so hand over a copy.
    outBytes: (b) => {
      payload = true;
      stdout().write(Buffer.from(b));
    },
    // An empty write's callback runs after every write before it is done, with the error if one failed.
    payloadDone: () => new Promise((resolve, reject) => stdout().write('', (e) => (e ? reject(e) : resolve()))),
    // Asked only by the commands that print for a terminal: a getter, so the others make no stream.
    get isTTY() {
      return Boolean(process.stdout.isTTY);
    },
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
