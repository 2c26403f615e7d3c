/** The `ckpt` subcommands, in the order help lists them. */
import type { Command } from '../command.js';
import capture from './capture.js';
import diff from './diff.js';
import exportCmd from './export.js';
import importCmd from './import.js';
import label from './label.js';
import list from './list.js';
import note from './note.js';
import rm from './rm.js';
import search from './search.js';
import tag from './tag.js';
import timeline from './timeline.js';
import records from './records.js';
import serve from './serve.js';
import show from './show.js';
import verify from './verify.js';

export const COMMANDS: Command[] = [capture, show, records, verify, serve, importCmd, list, label, tag, note, rm, search, diff, timeline, exportCmd];
