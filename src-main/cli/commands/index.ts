/**
 * The `ckpt` subcommands, in the order help lists them. A command's module
 * (and what it pulls in: SQLite, the /proc reader, the HTTP host) loads only
 * when that command runs, so `ckpt capture` does not pay for the library.
 */
import type { Command } from '../command.js';
import { CAPTURE_SUMMARY } from './capture-summary.js';

export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<{ default: Command }>;
}

export const COMMANDS: CommandEntry[] = [
  { name: 'capture', summary: CAPTURE_SUMMARY, load: () => import('./capture.js') },
  { name: 'show', summary: 'print the decoded contents of an image', load: () => import('./show.js') },
  { name: 'records', summary: 'list every record of an image with offset, type, length and objref', load: () => import('./records.js') },
  { name: 'verify', summary: 'check that an image is whole: framing, structure, objrefs and checksum', load: () => import('./verify.js') },
  { name: 'serve', summary: 'serve the desktop app to a browser on 127.0.0.1', load: () => import('./serve.js') },
  { name: 'import', summary: 'import image files into the library (same bytes twice are stored once)', load: () => import('./import.js') },
  { name: 'list', summary: 'list the images in the library, newest capture first', load: () => import('./list.js') },
  { name: 'label', summary: 'set the label of a library image ("" clears it)', load: () => import('./label.js') },
  { name: 'tag', summary: 'add or remove tags of a library image', load: () => import('./tag.js') },
  { name: 'note', summary: 'show or set the note of a library image', load: () => import('./note.js') },
  { name: 'rm', summary: 'remove images from the library (index rows and stored bytes)', load: () => import('./rm.js') },
  { name: 'search', summary: 'find open files across every image in the library', load: () => import('./search.js') },
  { name: 'diff', summary: 'what changed between two library images', load: () => import('./diff.js') },
  { name: 'timeline', summary: 'fd counts of one program over a series of images, and leak suspects', load: () => import('./timeline.js') },
  { name: 'export', summary: 'write an image, diff, search or timeline as HTML, Markdown, JSON or CSV', load: () => import('./export.js') },
];
