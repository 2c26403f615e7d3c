/**
 * `ckpt capture`'s own entry, bundled apart as CommonJS (out/cli/capture.cjs,
 * scripts/build-cli.mjs) for bin/capture.cjs to run with a V8 code cache:
 * a capture's start is on its critical path, and an ES module entry costs
 * node's ESM loader (compiled afresh under the capture's V8 flags, which
 * make node refuse its own code cache) and its bundle compiled afresh on
 * every run, ~15 ms. It runs the capture command as main.ts would.
 */
import { readAheadForArgv } from '../sources/proc/procfd-reader.js';
import { exactArgv } from './raw-argv.js';
import { runProcess } from './cli-process.js';
import { runCommand } from './run-command.js';
import capture from './commands/capture.js';
import { CAPTURE_SUMMARY } from './commands/capture-summary.js';

const argv = exactArgv(process.argv.slice(2));
readAheadForArgv(argv);

runProcess((io) => runCommand(capture, CAPTURE_SUMMARY, argv.slice(1), io));
