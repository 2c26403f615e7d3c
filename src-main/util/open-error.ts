/**
 * An image file that cannot be opened, worded once for every command that
 * reads one (show, verify, import, diff): the code and what it means, not
 * Node's "ENOENT: no such file or directory, open 'PATH'", which names the
 * path again.
 */
import { displayBStr, type BStr } from '../../src-shared/model/bstr.js';

/** "cannot open PATH: ENOENT (no such file)"; `e` as Node's fs throws it. */
export function cannotOpenText(name: BStr, e: { code?: string; message: string }): string {
  const why = e.code === 'ENOENT' ? 'no such file' : /^[A-Z]+: ([^,]*)/.exec(e.message)?.[1];
  return `cannot open ${displayBStr(name)}: ${e.code && why ? `${e.code} (${why})` : e.message}`;
}

/** A directory given where an image file was meant. */
export function directoryText(name: string): string {
  return `${displayBStr(name)} is a directory, not an image`;
}
