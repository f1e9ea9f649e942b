import type { Command } from 'commander';
import { parsePositiveInt } from './validate.js';
import type { HalvingPlan } from '../../core/halving/plan.js';
import type { formatTable as FormatTable } from '../format/table.js';

/** The rungs of a halving sweep: what each runs, and its cost against every configuration at full budget. */
export function halvingSummary(name: string, h: HalvingPlan, formatTable: typeof FormatTable): string {
  const { budget, eta } = h.sweep;
  const rows = h.brackets.flatMap((b) => b.rungs.map((r) => [String(b.bracket), String(r.rung), String(r.configs), String(r.budget), String(Number((r.configs * r.budget).toPrecision(12)))]));
  const { total, full, runs } = h.totals;
  return [
    `${name}: ${h.brackets.length > 1 ? `Hyperband, ${h.brackets.length} brackets` : 'successive halving'}, eta ${eta}, budget ${budget.param} ${budget.min}..${budget.max}, ${h.levels} rung(s)`,
    formatTable(['bracket', 'rung', { header: 'configs', align: 'right' }, { header: budget.param, align: 'right' }, { header: 'budget', align: 'right' }], rows).trimEnd(),
    `total budget ${total} (${budget.param} summed over ${runs} runs); the same ${h.brackets.reduce((n, b) => n + b.configs.length, 0)} configurations at ${budget.param}=${budget.max}: ${full} (${(total / full).toFixed(3)}×)`,
    '',
  ].join('\n');
}

export function register(program: Command): void {
  program
    .command('plan')
    .description('show the runs each experiment expands to (deterministic order, stable run keys)')
    .argument('[files...]', 'spec files, relative to the current directory (default: experiments/*.yaml|yml under --root)')
    .option('--root <dir>', 'project root', '.')
    .option('--max-runs <n>', 'largest sweep allowed per experiment', (v) => parsePositiveInt(v, '--max-runs'), 10_000)
    .option('--json', 'print {experiments: [{name, specFile, runs: [{index, key, params}]}]}')
    .action(async (files: string[], opts: { root: string; maxRuns: number; json?: boolean }) => {
      const { plan, planToJson } = await import('../../ops/plan.js');
      const result = await plan(opts.root, files, { maxRunsPerExperiment: opts.maxRuns });
      if (opts.json) {
        process.stdout.write(JSON.stringify(planToJson(result), null, 2) + '\n');
        return;
      }
      const { formatTable } = await import('../format/table.js');
      const rows = result.experiments.flatMap((e) =>
        e.runs.map((r) => [e.spec.name, r.index, r.key, Object.entries(r.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')]),
      );
      process.stdout.write(formatTable(['experiment', { header: 'index', align: 'right' }, 'key', { header: 'params', maxWidth: 100 }], rows));
      for (const e of result.experiments) if (e.halving) process.stdout.write('\n' + halvingSummary(e.spec.name, e.halving, formatTable));
      const runs = result.experiments.reduce((n, e) => n + (e.halving ? e.halving.totals.runs : e.runs.length), 0);
      const note = result.experiments.some((e) => e.halving) ? ' (halving sweeps: every rung counted; the table lists rung 0)' : '';
      process.stdout.write(`${result.experiments.length} experiment${result.experiments.length === 1 ? '' : 's'}, ${runs} run${runs === 1 ? '' : 's'}${note}\n`);
    });
}
