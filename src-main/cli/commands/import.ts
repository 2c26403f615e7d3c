import { printJsonLine } from '../json-out.js';
import { defineCommand, payloadDelivered } from '../command.js';
import { UsageError } from '../args.js';
import { StoreError } from '../../store/index.js';
import { withImageFile } from '../../engine/reader.js';
import { ImageError, ModelError } from '../../engine/errors.js';
import { encodeSnapshot, writeSnapshot } from '../../engine/writer.js';
import { writeFileAtomic } from '../../util/atomic-file.js';
import { directoryText } from '../../util/open-error.js';
import { contentsText, displayBStr, type Snapshot } from '../../../src-shared/model/index.js';
import { archiveKind, detectInput } from '../../sources/criu/detect.js';
import { imageLine, imageName, isDirectory, progressLine, withLibrary } from './library-util.js';

/** Standard input read whole (a pipe: at most what withImageFile reads from one). */
function readStdin(): Buffer {
  try {
    return withImageFile(0, (src) => {
      const b = Buffer.allocUnsafe(src.size);
      src.read(b, 0, src.size, 0);
      return b;
    });
  } catch (e) {
    if (e instanceof ImageError) throw new StoreError('io', e.message);
    throw e;
  }
}

/** A CRIU dump converted, or why it could not be. */
type Converted = { snapshot: Snapshot; label?: string } | { error: StoreError };

/**
 * The CRIU dumps among `files` (images directories and checkpoint archives,
 * docs/criu.md, told apart by content), converted before the library is
 * opened. The CRIU source is loaded only when one is given.
 */
async function convertCriu(files: readonly string[]): Promise<Map<string, Converted>> {
  const out = new Map<string, Converted>();
  for (const file of files) {
    if (file === '-' || out.has(file)) continue;
    const kind = detectInput(file);
    if (kind.kind === 'other') {
      if (isDirectory(file))
        out.set(file, {
          error: new StoreError('bad-argument', `${directoryText(file)} (nor a CRIU images directory: it has no inventory.img)`),
        });
      continue;
    }
    const criu = await import('../../sources/criu/index.js');
    try {
      out.set(file, await criu.importCriu(file, kind));
    } catch (e) {
      if (!(e instanceof criu.CriuError)) throw e;
      // The message names the file of the dump at fault; the input itself once.
      const why = e.message.startsWith(`${file}: `) ? e.message.slice(file.length + 2) : e.message;
      out.set(file, { error: new StoreError('bad-image', `${imageName(file)}: not imported: ${why}`) });
    }
  }
  return out;
}

export default defineCommand({
  name: 'import',
  usage: 'ckpt import FILE...|DIR|ARCHIVE|- [--label TEXT] [--tag TAG]... [--note TEXT] [--json] | ckpt import DIR|ARCHIVE -o FILE',
  positional: true,
  options: [
    {
      name: 'label',
      type: 'string',
      value: 'TEXT',
      help: 'label for the imported images (a podman archive: its container name by default)',
    },
    { name: 'tag', type: 'list', value: 'TAG', help: 'tag to add (repeatable)' },
    { name: 'note', type: 'string', value: 'TEXT', help: 'note for the imported images' },
    { name: 'json', type: 'flag', help: 'one JSON object per line: {image, duplicate, elapsedMs} or {file, error}' },
    {
      name: 'output',
      short: 'o',
      type: 'string',
      value: 'FILE',
      help: 'convert one CRIU dump into an image FILE ("-" for stdout) instead of adding it to the library',
    },
  ],
  details: [
    'Each file is imported whole or not at all. A file that is not a valid image is reported and skipped; the exit code is 1 if any file failed.',
    '',
    'CRIU dumps (docs/criu.md) are converted on the way in: a `criu dump -D DIR` images directory (it holds inventory.img),',
    'or a checkpoint archive holding one: .tar, .tar.gz/.tgz (.tar.zst with the zstd program), as podman container checkpoint',
    '--export and CRI-O/kubelet checkpoints write them. They are told apart by content (inventory.img, the tar header, the',
    "gzip or zstd magic), not by name. The image's source is criu; a podman or CRI-O archive's container name is its label",
    'unless --label is given. With -o FILE, the one dump given is converted into FILE and the library is not touched.',
  ].join('\n'),
  async run({ opts, positional }, io) {
    if (positional.length === 0) throw new UsageError('import needs at least one image file, CRIU images directory or checkpoint archive');
    const out = opts.output as string | undefined;
    if (out !== undefined) {
      if (positional.length !== 1 || positional[0] === '-')
        throw new UsageError('-o FILE converts one CRIU images directory or checkpoint archive (given by its path)');
      for (const o of ['label', 'tag', 'note'] as const)
        if (opts[o] !== undefined) throw new UsageError(`--${o} names an image in the library; with -o FILE nothing is added to it`);
      const file = positional[0]!;
      const c = (await convertCriu([file])).get(file);
      if (!c) {
        io.err(
          `ckpt import: ${imageName(file)}: -o converts a CRIU dump, and this is neither a CRIU images directory nor a checkpoint archive`,
        );
        return 1;
      }
      if ('error' in c) {
        io.err(`ckpt import: ${c.error.message}`);
        return 1;
      }
      try {
        const r =
          out === '-'
            ? writeSnapshot(c.snapshot, (b) => io.outBytes(b))
            : writeFileAtomic(out, (write) => writeSnapshot(c.snapshot, write));
        if (out === '-' && !(await payloadDelivered(io, 'import', 'image'))) return 1;
        const nfds = c.snapshot.fdTables.reduce((n, t) => n + t.fds.length, 0);
        io.err(
          `converted ${contentsText(c.snapshot.tasks.length, nfds, c.snapshot.files.length)} into ${out === '-' ? 'stdout' : displayBStr(out)} (${r.bytes} bytes)`,
        );
      } catch (e) {
        if (!(e instanceof ModelError)) throw e;
        io.err(`ckpt import: ${imageName(file)}: cannot be written as an image: ${e.message}`);
        return 1;
      }
      return 0;
    }
    const converted = await convertCriu(positional);
    const o = { label: opts.label as string | undefined, tags: opts.tag as string[] | undefined, note: opts.note as string | undefined };
    return withLibrary(opts, (store) => {
      let bad = 0;
      const p = progressLine();
      positional.forEach((file, i) => {
        try {
          const progress = (pr: { phase: string; done: number; total: number }) =>
            p.update(`[${i + 1}/${positional.length}] ${imageName(file)}: ${pr.phase}${pr.total ? ` ${pr.done}/${pr.total} fds` : ''}`);
          const c = converted.get(file);
          let r;
          if (c && 'error' in c) throw c.error;
          else if (c) {
            let bytes: Buffer;
            try {
              bytes = encodeSnapshot(c.snapshot);
            } catch (e) {
              if (e instanceof ModelError) throw new StoreError('bad-image', `${imageName(file)}: not imported: ${e.message}`);
              throw e;
            }
            r = store.importBytes(bytes, { ...o, label: o.label ?? c.label }, progress, imageName(file));
          } else if (file === '-') {
            const bytes = readStdin();
            const a = archiveKind(bytes.subarray(0, 512));
            if (a)
              throw new StoreError(
                'bad-argument',
                `standard input: a ${a === 'tar' ? 'tar' : `${a}-compressed`} archive: CRIU checkpoint archives are read from a path (ckpt import FILE)`,
              );
            r = store.importBytes(bytes, o, progress, imageName(file));
          } else r = store.importFile(file, o, progress);
          p.done();
          if (opts.json) printJsonLine(io, r);
          else
            io.out(
              `${r.duplicate ? 'already in library' : 'imported'}: ${imageLine(r.image)}  (${imageName(file)}, ${r.elapsedMs.toFixed(0)} ms)`,
            );
        } catch (e) {
          p.done();
          if (!(e instanceof StoreError)) throw e;
          bad++;
          if (opts.json) printJsonLine(io, { file, error: e.toJSON() });
          io.err(`ckpt import: ${e.message}`);
        }
      });
      return bad ? 1 : 0;
    });
  },
});
