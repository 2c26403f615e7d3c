/**
 * JSON on stdout (--json of show, diff, search, timeline, list, records).
 * Written in pieces (jsonPieces), since the JSON of a big image is longer
 * than one string can be; and with the characters JSON.stringify leaves raw
 * that a terminal must not get raw (DEL, C1 controls, bidi controls, line
 * separators) as \u escapes, which JSON reads as the same characters. (The
 * terminal escaping of plain output wrote a file name's DEL as \x7f, which
 * is not JSON.)
 */
import { batched, jsonPieces } from '../report/json-pieces.js';
import type { Io } from './command.js';

const RAW = /[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/** JSON text with the characters a terminal must not get raw as JSON's \u escapes. */
export function jsonSafe(s: string): string {
  return s.replace(RAW, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * `v` as JSON.stringify(v, null, 1) would write it, then a newline: a piece
 * at a time as stdout takes it (a diff of a leak of thousands of fds lists
 * every other holder of each, gigabytes that queued whole ran out of memory).
 */
export async function printJson(io: Io, v: unknown): Promise<void> {
  for (const part of batched(jsonPieces(v))) if (io.outPart(jsonSafe(part)) === false && io.outDrain) await io.outDrain();
  io.outPart('\n');
}

/** `v` as one line of JSON (import --json's line per file). */
export function printJsonLine(io: Io, v: unknown): void {
  io.out(jsonSafe(JSON.stringify(v)));
}
