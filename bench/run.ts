/**
 * `npm run bench [-- NAME...]`: runs every bench/*.bench.ts (or the named
 * ones) in turn and prints each figure against its target. Exit code 0
 * whatever the figures: a benchmark reports, it does not gate.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchModule, Figure } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

const figures: Figure[] = [];
for (const f of files) {
  const mod = (await import(pathToFileURL(join(here, f)).href)).default as BenchModule;
  const tmp = mkdtempSync(join(tmpdir(), `ckpt-bench-${mod.name}-`));
  console.log(`\n== ${mod.name} ==`);
  try {
    await mod.run({
      tmp,
      quick: process.env.CKPT_BENCH_QUICK === '1',
      log: (l) => console.log(`  ${l}`),
      record: (fig) => {
        figures.push({ bench: mod.name, ...fig });
        const t = fig.target ? `  (target ${fig.target}: ${fig.met ? 'met' : 'NOT met'})` : '';
        console.log(`  ${fig.name}: ${fig.value.toLocaleString('en-US', { maximumFractionDigits: 2 })} ${fig.unit}${t}`);
      },
    });
  } catch (e) {
    console.log(`  FAILED: ${(e as Error).stack ?? String(e)}`);
  } finally {
    if (!process.env.CKPT_BENCH_KEEP) rmSync(tmp, { recursive: true, force: true });
  }
}

console.log('\n== summary ==');
for (const f of figures)
  console.log(
    `${f.bench.padEnd(10)} ${f.name.padEnd(48)} ${f.value.toLocaleString('en-US', { maximumFractionDigits: 2 }).padStart(16)} ${f.unit.padEnd(8)} ${f.target ? `${f.target} ${f.met ? 'met' : 'NOT MET'}` : ''}`,
  );
const outDir = join(here, 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(figures, null, 1));
