/** Simulated captures: a scenario by name and seed becomes a snapshot. */
import type { Snapshot } from '../../src-shared/model/index.js';
import { FORMAT_MAJOR, FORMAT_MINOR } from '../../src-shared/model/index.js';
import { fixSocketPaths } from './common.js';
import { SCENARIOS, newBuilder, scenarioByName, type ScenarioParams } from './scenarios.js';

export { SCENARIOS };

export interface SimOptions extends Partial<ScenarioParams> {
  scenario: string;
  /** Capture time in ms since the epoch; the only field that may differ between equal runs. */
  time?: number;
}

export class SimError extends Error {
  override readonly name = 'SimError';
}

export function simulate(opts: SimOptions): Snapshot {
  const sc = scenarioByName(opts.scenario);
  if (!sc) throw new SimError(`unknown scenario "${opts.scenario}"; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const params: ScenarioParams = { seed: opts.seed ?? 1, step: opts.step ?? 1, processes: opts.processes ?? 100, fds: opts.fds ?? 100 };
  for (const [k, v] of Object.entries(params))
    if (!Number.isSafeInteger(v) || v < 0) throw new SimError(`--${k} must be a non-negative integer, got ${String(v)}`);
  if (params.processes * params.fds > 50_000_000) throw new SimError('--processes x --fds is limited to 50,000,000 fds');
  const b = newBuilder(sc.name, params.seed);
  sc.build(b, params);
  fixSocketPaths(b.files);
  const options: Record<string, string> = { scenario: sc.name, seed: String(params.seed) };
  for (const k of sc.params ?? []) options[k] = String(params[k]);
  return b.snapshot({
    formatMajor: FORMAT_MAJOR,
    formatMinor: FORMAT_MINOR,
    arch: 'x86_64',
    kernelRelease: '6.1.0-sim',
    hostname: `sim-${sc.name}`,
    captureTime: opts.time ?? Date.now(),
    source: 'sim',
    frozen: false,
    options,
    // A typical machine's (Debian 12, systemd): file-max is LONG_MAX there.
    kernelLimits: {
      'fs.file-nr': 1184 + b.files.length,
      'fs.file-max': 9223372036854775807n,
      'fs.nr_open': 1073741816,
      'fs.inotify.max_user_instances': 128,
      'fs.inotify.max_user_watches': 65536,
      'fs.epoll.max_user_watches': 1629483,
    },
  });
}
