import { printJson } from '../json-out.js';
import { defineCommand } from '../command.js';
import { UsageError } from '../args.js';
import { readImageFile } from '../../engine/reader.js';
import { snapshotToJson } from '../../../src-shared/model/index.js';
import { renderLimits, renderShow, type ShowFilter } from '../render-show.js';
import { renderLsof, renderLsofFields } from '../render-lsof.js';
import { kindNameList, kindsNamed } from '../../../src-shared/kinds/index.js';
import { imageInput, isImageFile, namingFile, withLibraryImages } from './library-util.js';
import { criuSnapshot } from './criu-input.js';

export default defineCommand({
  name: 'show',
  usage: 'ckpt show FILE|-|ID|CRIU-DUMP [--pid PID[,PID...]] [--kind KIND[,KIND...]] [--json | --limits | --lsof | --lsof-fields]',
  positional: true,
  options: [
    { name: 'pid', type: 'string', value: 'PID[,PID...]', help: 'only these processes (and their threads)' },
    {
      name: 'kind',
      type: 'string',
      value: 'KIND[,KIND...]',
      help: 'only fds of these kinds: a kind (regular, pipe, unix-socket...) or a group (socket, file, device, anon); inet, unix',
    },
    { name: 'json', type: 'flag', help: 'one JSON object: header, tasks, fdTables, files, errors (docs/cli.md)' },
    {
      name: 'lsof',
      type: 'flag',
      help: 'as lsof -n -P -w would have listed these processes at capture time (no txt/mem lines: not captured)',
    },
    { name: 'lsof-fields', type: 'flag', help: "as lsof -F prints its default fields, for scripts that parse lsof's field output" },
    {
      name: 'limits',
      type: 'flag',
      help: 'only the limits: every process by the share of its fd limit it uses, the machine, inotify per user',
    },
  ],
  async run({ opts, positional }, io) {
    if (positional.length !== 1) throw new UsageError('show takes exactly one image');
    const forms = (['json', 'limits', 'lsof', 'lsof-fields'] as const).filter((o) => opts[o]);
    if (forms.length > 1) throw new UsageError(`${forms.map((o) => `--${o}`).join(' and ')}: pick one`);
    const filter: ShowFilter = {};
    if (opts.pid !== undefined) {
      const pids = String(opts.pid).split(',');
      if (!pids.every((p) => /^\d+$/.test(p)))
        throw new UsageError(`--pid takes process ids separated by commas, got "${String(opts.pid)}"`);
      filter.pids = new Set(pids.map(Number));
    }
    if (opts.kind !== undefined) {
      filter.kinds = new Set();
      for (const k of String(opts.kind).split(',')) {
        const named = kindsNamed(k);
        if (!named) throw new UsageError(`--kind: unknown kind "${k}"; known: ${kindNameList().join(', ')}`);
        for (const n of named) filter.kinds.add(n);
      }
    }
    if ((filter.pids || filter.kinds) && (opts.json || opts.limits))
      throw new UsageError('--pid and --kind filter the listing; not with --json or --limits');
    const arg = positional[0]!;
    const readFile = () => {
      try {
        return readImageFile(imageInput(arg));
      } catch (e) {
        throw namingFile(arg, e);
      }
    };
    // A CRIU dump (images directory or checkpoint archive, told by content)
    // is converted in memory: the library is not touched.
    const dump = await criuSnapshot(arg);
    const snap = dump ?? (arg === '-' || isImageFile(arg) ? readFile() : withLibraryImages(opts, [arg], (s) => s.getSnapshot(arg)));
    if (opts.lsof || opts['lsof-fields']) {
      // lsof prints nothing at all when nothing matches, and scripts test for that.
      const text = opts.lsof ? renderLsof(snap, { filter }) : renderLsofFields(snap, { filter });
      if (text) io.out(text);
      return 0;
    }
    if (opts.json) await printJson(io, snapshotToJson(snap));
    else io.out(opts.limits ? renderLimits(snap) : renderShow(snap, filter));
    return 0;
  },
});
