import type { Command } from 'commander';
import { parsePositiveInt, printWarning } from './validate.js';

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
        runs += e.runs.length;
        for (const r of e.runs) {
          if (rows.length >= MAX_ROWS) break;
          rows.push([e.spec.name, r.index, r.key, Object.entries(r.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')]);
        }
      }
      const table = formatTable(['experiment', { header: 'index', align: 'right' }, 'key', { header: 'params', maxWidth: 100 }], rows, { maxRows: MAX_ROWS, total: runs, moreHint: '`dap plan --json` lists every run' });
      process.stdout.write(table);
      process.stdout.write(`${result.experiments.length} experiment${result.experiments.length === 1 ? '' : 's'}, ${runs} run${runs === 1 ? '' : 's'}\n`);
    });
}
