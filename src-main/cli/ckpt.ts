import { readAheadAll } from '../sources/proc/procfd-reader.js';
import type { Io } from './command.js';
import { exactArgv } from './raw-argv.js';

// A capture of every process spends most of its time in the kernel; start
// that now, on the native reader's threads, so it overlaps loading the rest
// of the CLI (imported below, after this). The capture command adopts the
// read; with --freeze it must not start before the processes are stopped.
const argv = exactArgv(process.argv.slice(2));
if (
  argv[0] === 'capture' &&
  argv.includes('--all') &&
  !argv.some((a) => a === '--freeze' || a === '--help' || a === '-h' || a.startsWith('--sim'))
)
  try {
    readAheadAll();
  } catch {
    // the capture itself reports what is wrong
  }

const { main, processIo } = await import('./main.js');

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

main(argv, io).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`ckpt: internal error: ${String(e)}\n`);
    process.exitCode = 1;
  },
);
