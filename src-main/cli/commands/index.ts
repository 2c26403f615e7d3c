/** The `ckpt` subcommands, in the order help lists them. */
import type { Command } from '../command.js';
import capture from './capture.js';
import records from './records.js';
import serve from './serve.js';
import show from './show.js';
import verify from './verify.js';

export const COMMANDS: Command[] = [capture, show, records, verify, serve];
