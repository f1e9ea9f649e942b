import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { formatProblem, type Problem } from '../../errors.js';

export function register(program: Command): void {
  program
    .command('validate')
    .description('check experiment specs (experiments/*.yaml or the given files); print every problem as file:line:col')
    .argument('[files...]', 'spec files, relative to the current directory (default: experiments/*.yaml|yml under --root)')
    .option('--root <dir>', 'project root (default: the nearest directory upwards holding experiments/ or .git)')
    .option('--max-runs <n>', 'largest sweep allowed per experiment', (v) => parsePositiveInt(v, '--max-runs'), 10_000)
    .option('--json', 'print {"experiments": N, "runs": M} as JSON')
    .action(async (files: string[], opts: { root?: string; maxRuns: number; json?: boolean }) => {
      const { validate } = await import('../../ops/validate.js');
      const { resolveRoot } = await import('../../paths.js');
      const result = await validate(resolveRoot(opts.root), files, { maxRunsPerExperiment: opts.maxRuns, onWarning: printWarning });
      process.stdout.write(opts.json ? JSON.stringify(result) + '\n' : `ok: ${result.experiments} experiment${result.experiments === 1 ? '' : 's'}, ${result.runs} run${result.runs === 1 ? '' : 's'}\n`);
    });
}

/** A spec warning (a likely mistake): file:line:col and its code frame, on stderr. */
export function printWarning(p: Problem): void {
  process.stderr.write(formatProblem(p) + '\n');
}

export function parsePositiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`${flag} must be a positive integer`); // commander: usage error, exit 2
  }
  return n;
}
