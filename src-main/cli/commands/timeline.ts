import { printJson } from '../json-out.js';
import { defineCommand } from '../command.js';
import { UsageError } from '../args.js';
import { timelineLimitLine as limitLine, timelineProjectionsText, timelineText } from '../../report/text.js';
import type { TimelineSelector } from '../../../src-shared/store-types.js';
import type { Parsed } from '../args.js';
import { NO_CREATE, withLibrary } from './library-util.js';

export function timelineSelector(opts: Parsed['opts'], ids: string[]): TimelineSelector {
  const given = [opts.program !== undefined, opts.label !== undefined, opts.tag !== undefined, ids.length > 0].filter(Boolean).length;
  if (given !== 1) throw new UsageError('say which series: --program CMDLINE, --label TEXT, --tag TAG, or image ids');
  if (opts.program !== undefined) return { program: opts.program as string };
  if (opts.label !== undefined) return { label: opts.label as string };
  if (opts.tag !== undefined) return { tag: opts.tag as string };
  return { ids };
}

export const SELECTOR_OPTIONS = [
  { name: 'program', type: 'string' as const, value: 'CMDLINE', help: 'images of this program (command line as ckpt list shows it)' },
  { name: 'label', type: 'string' as const, value: 'TEXT', help: 'images with this label' },
  { name: 'tag', type: 'string' as const, value: 'TAG', help: 'images with this tag' },
];

export default defineCommand({
  name: 'timeline',
  usage: 'ckpt timeline (--program CMDLINE | --label TEXT | --tag TAG | ID...) [--json]',
  positional: true,
  options: [...SELECTOR_OPTIONS, { name: 'json', type: 'flag', help: 'the Timeline as JSON' }],
  details:
    'A leak suspect is a kind, path, path family (app.log.1, app.log.2 ... as app.log.*) or socket endpoint whose count never drops and ends higher. ' +
    "A socket endpoint is the end its connections share: the listener's address and port for accepted ones ('tcp 127.0.0.1:8080 accepted connections in CLOSE_WAIT'), the remote end for a client's ('tcp CLOSE_WAIT -> 10.0.3.20:5432'). " +
    'Then every process of the last capture at or heading for its own soft fd limit, earliest first (the first 20; a process is a pid running one command line, a restart is a new one). ' +
    "The last line sets the series' first process against its soft fd limit: at it, when it would reach it at the rate its fds grow (least squares over its last 10 captures), or why there is no projection.",
  async run({ opts, positional }, io) {
    const sel = timelineSelector(opts, positional);
    let json: unknown;
    const code = withLibrary(
      opts,
      (s) => {
        const t = s.timeline(sel);
        const procs = timelineProjectionsText(t);
        if (opts.json) json = t;
        else io.out(`${timelineText(t)}\n\n${procs ? `${procs}\n\n` : ''}${limitLine(t)}`);
        return 0;
      },
      NO_CREATE,
    );
    if (json !== undefined) await printJson(io, json);
    return code;
  },
});
