import { readAheadAll } from '../sources/proc/procfd-reader.js';

// A capture of every process spends most of its time in the kernel; start
// that now, on the native reader's threads, so it overlaps loading the rest
// of the CLI (imported below, after this). The capture command adopts the
// read; with --freeze it must not start before the processes are stopped.
const argv = process.argv.slice(2);
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

// EPIPE on stdout (ckpt show | head) is the reader hanging up, not a failure.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(argv, processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`ckpt: internal error: ${String(e)}\n`);
    process.exitCode = 1;
  },
);
