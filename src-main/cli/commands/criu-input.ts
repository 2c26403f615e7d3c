/**
 * An image argument that is a CRIU dump (an images directory or a
 * checkpoint archive, told by content: docs/criu.md), converted in memory
 * for commands that read an image without storing it (show, diff). The
 * CRIU source is loaded only when a dump is given.
 */
import type { Snapshot } from '../../../src-shared/model/index.js';
import { detectInput } from '../../sources/criu/detect.js';
import { StoreError } from '../../store/errors.js';
import { imageName } from './library-util.js';

/** The dump `arg` converted, or null when `arg` is no CRIU dump (an image file, `-`, a library reference). */
export async function criuSnapshot(arg: string): Promise<Snapshot | null> {
  if (arg === '-') return null;
  const kind = detectInput(arg);
  if (kind.kind === 'other') return null;
  const criu = await import('../../sources/criu/index.js');
  try {
    return (await criu.importCriu(arg, kind)).snapshot;
  } catch (e) {
    if (!(e instanceof criu.CriuError)) throw e;
    // The input named once, escaped as messages name it.
    const why = e.message.startsWith(`${arg}: `) ? e.message.slice(arg.length + 2) : e.message;
    throw new StoreError('bad-image', `${imageName(arg)}: ${why}`);
  }
}
