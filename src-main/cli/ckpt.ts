import { readAheadForArgv } from '../sources/proc/procfd-reader.js';
import { exactArgv } from './raw-argv.js';

// A capture of every process spends most of its time in the kernel; start
// that now, on the native reader's threads, so it overlaps loading the rest
// of the CLI (imported below, after this).
const argv = exactArgv(process.argv.slice(2));
readAheadForArgv(argv);

const { main, runProcess } = await import('./main.js');

runProcess((io) => main(argv, io));
