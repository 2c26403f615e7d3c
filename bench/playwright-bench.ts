/**
 * The app's timing benchmarks run as Playwright specs (real Chromium against
 * the real browser host); each spec prints `BENCH name value unit` lines.
 * This runs one spec and hands back those figures.
 */
import { spawnSync } from 'node:child_process';
import type { BenchContext } from './harness.js';
import { haveChromium as chromiumFound } from '../e2e/host.js';

export interface SpecFigure {
  name: string;
  value: number;
  unit: string;
}

/** Whether there is a Chromium to run the specs in; says so when not (call before building their libraries). */
export function haveChromium(ctx: BenchContext): boolean {
  if (chromiumFound) return true;
  ctx.log('no Chromium: skipped');
  return false;
}

export function runBenchSpec(ctx: BenchContext, spec: string, env: Record<string, string>): SpecFigure[] {
  const r = spawnSync(process.execPath, ['node_modules/@playwright/test/cli.js', 'test', '--project=chromium', spec], {
    env: { ...process.env, CKPT_BENCH: '1', ...env },
    encoding: 'utf8',
    timeout: 900_000,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  const figures = [...out.matchAll(/^BENCH (\S+) ([\d.]+) (\S+)$/gm)].map((m) => ({ name: m[1]!, value: Number(m[2]), unit: m[3]! }));
  if (r.status !== 0 || figures.length === 0) ctx.log(`playwright exited ${r.status}:\n${out.split('\n').slice(-40).join('\n')}`);
  return figures;
}
