import { main, processIo } from './main.js';

// EPIPE on stdout (ckpt show | head) is the reader hanging up, not a failure.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`ckpt: internal error: ${String(e)}\n`);
    process.exitCode = 1;
  },
);
