/**
 * Runs every benchmark, each in its own Node process (so one bench's tfjs state and memory cannot colour the next),
 * passing this script's flags through, then regenerates the README results block into bench/results/README-table.md.
 * Usage: npm run bench [-- --data DIR --per-class N --repeats N]
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/core/index.js';
import { renderBenchTableFile } from '../scripts/render-bench-table.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Bench files, relative to the repository root, in the order they run. */
const BENCHES = ['bench/feature-extraction.ts', 'bench/gradient-kernels.ts', 'bench/finetune.ts', 'bench/auto-backbone.ts', 'bench/continual-update.ts', 'bench/distributed-extraction.ts'];
const RESULT_FILE = path.join(repoRoot, 'bench', 'results', 'feature-extraction.json');
const TABLE_FILE = path.join(repoRoot, 'bench', 'results', 'README-table.md');

function runBench(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    console.log(`\n== ${file}\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: repoRoot, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${file} failed (${signal ? `signal ${signal}` : `exit code ${code}`}).`));
    });
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  for (const file of BENCHES) await runBench(file, args);
  const table = await renderBenchTableFile(RESULT_FILE);
  await writeFileAtomic(TABLE_FILE, table);
  console.log(`\n== README results block (${path.relative(repoRoot, TABLE_FILE)})\n`);
  console.log(table);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
