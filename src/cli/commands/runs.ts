import type { Command } from 'commander';
import type { RunSummary } from '../../tracking/run-summary.js';

export function register(program: Command): void {
  program
    .command('runs')
    .description('list and compare the runs in local journals: params, last/best metrics, rank by the primary metric')
    .option('--dir <dir>', 'where the journals are (default: $DAP_JOURNAL_DIR or .dap/journal)')
    .option('--experiment <name>', 'only this experiment')
    .option('--mlflow', 'list from the MLflow server ($MLFLOW_TRACKING_URI) instead: the experiments of experiments/*.yaml, or --experiment')
    .option('--tracking-uri <uri>', 'MLflow server for --mlflow (default: $MLFLOW_TRACKING_URI)')
    .option('--json', 'print JSON')
    .action(async (o: { dir?: string; experiment?: string; json?: boolean; mlflow?: boolean; trackingUri?: string }) => {
      const { runsOp } = await import('../../ops/runs.js');
      const result = await runsOp({ dir: o.dir, experiment: o.experiment, mlflow: o.mlflow, trackingUri: o.trackingUri });
      if (o.json) {
        process.stdout.write(JSON.stringify(result.runs.map(({ journal, ...r }) => ({ ...r, journal })), jsonNumbers, 2) + '\n');
        return;
      }
      if (result.runs.length === 0) {
        process.stdout.write(`no runs in ${result.dir}\n`);
        return;
      }
      process.stdout.write(formatRuns(result.runs));
    });
}

/** NaN/±Inf are not JSON: spell them as MLflow's wire strings. */
function jsonNumbers(_k: string, v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  return v;
}

export function formatRuns(runs: RunSummary[]): string {
  const out: string[] = [];
  const byExp = new Map<string, RunSummary[]>();
  for (const r of runs) byExp.set(r.experiment, [...(byExp.get(r.experiment) ?? []), r]);
  for (const [exp, group] of byExp) {
    const primary = group.find((r) => r.primary)?.primary;
    const params = [...new Set(group.flatMap((r) => Object.keys(r.params)))].sort();
    const metrics = [...new Set(group.flatMap((r) => Object.keys(r.metrics)))].sort((a, b) => (a === primary ? -1 : b === primary ? 1 : a.localeCompare(b)));
    const header = ['#', 'run', 'status', ...params, ...metrics.map((m) => (m === primary ? `${m} (best*)` : `${m} (last/best)`)), 'mlflow'];
    const rows = group.map((r) => [
      r.rank === undefined ? '' : String(r.rank),
      r.runKey ? `${r.runIndex ?? ''}:${r.runKey.slice(0, 8)}` : r.runName,
      r.status + (r.exitCode ? `(${r.exitCode})` : '') + (r.attempts && r.attempts > 1 ? ` (attempt ${r.attempts})` : ''),
      ...params.map((p) => r.params[p] ?? ''),
      ...metrics.map((m) => {
        const s = r.metrics[m];
        if (!s) return '';
        return m === primary ? fmt(s.best) : `${fmt(s.last)}/${fmt(s.best)}`;
      }),
      r.journal.startsWith('mlflow:') ? r.journal.slice(7, 15) : r.shippedTo.length ? 'shipped' : 'local',
    ]);
    out.push(`experiment ${exp}${primary ? ` (ranked by ${primary}, ${group.find((r) => r.goal)?.goal ?? 'best'})` : ''}`);
    out.push(table([header, ...rows]));
  }
  return out.join('\n') + '\n';
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 1e5 || (n !== 0 && Math.abs(n) < 1e-3) ? n.toExponential(3) : String(Number(n.toPrecision(4)));
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n') + '\n';
}
