import type { Command } from 'commander';
import { parsePositiveInt, printWarning } from './validate.js';
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
    .option('--root <dir>', 'project root (default: the nearest directory upwards holding experiments/ or .git)')
    .option('--max-runs <n>', 'largest sweep allowed per experiment', (v) => parsePositiveInt(v, '--max-runs'), 10_000)
    .option('--json', 'print {experiments: [{name, specFile, runs: [{index, key, params}]}]}')
    .action(async (files: string[], opts: { root?: string; maxRuns: number; json?: boolean }) => {
      const { plan, planToJson } = await import('../../ops/plan.js');
      const { resolveRoot } = await import('../../paths.js');
      const result = await plan(resolveRoot(opts.root), files, { maxRunsPerExperiment: opts.maxRuns, onWarning: printWarning });
      if (opts.json) {
        process.stdout.write(JSON.stringify(planToJson(result), null, 2) + '\n');
        return;
      }
      const { formatTable } = await import('../format/table.js');
      // a huge sweep: the first rows are shown, the rest summarised (--json lists them all)
      const MAX_ROWS = 1000;
      const rows: Array<Array<string | number>> = [];
      let runs = 0;
      for (const e of result.experiments) {
        runs += e.halving ? e.halving.totals.runs : e.runs.length;
        for (const r of e.runs) {
          if (rows.length >= MAX_ROWS) break;
          rows.push([e.spec.name, r.index, r.key, Object.entries(r.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')]);
        }
      }
      const table = formatTable(['experiment', { header: 'index', align: 'right' }, 'key', { header: 'params', maxWidth: 100 }], rows, { maxRows: MAX_ROWS, total: runs, moreHint: '`dap plan --json` lists every run' });
      process.stdout.write(table);
      for (const e of result.experiments) if (e.halving) process.stdout.write('\n' + halvingSummary(e.spec.name, e.halving, formatTable));
      const note = result.experiments.some((e) => e.halving) ? ' (halving sweeps: every rung counted; the table lists rung 0)' : '';
      process.stdout.write(`${result.experiments.length} experiment${result.experiments.length === 1 ? '' : 's'}, ${runs} run${runs === 1 ? '' : 's'}${note}\n`);
    });
}
