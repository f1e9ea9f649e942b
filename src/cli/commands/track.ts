import type { Command } from 'commander';
import type { Outcomes } from '../outcome.js';

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

export function register(program: Command, outcomes: Outcomes): void {
  program
    .command('track')
    .description('run a command as a tracked run: params, lineage, metrics, artifacts and status go to the journal and MLflow')
    .argument('<command...>', 'the command and its arguments (put them after --)')
    .option('--experiment <name>', 'MLflow experiment (default: $DAP_TRACKING_EXPERIMENT or $DAP_EXPERIMENT)')
    .option('--run-key <key>', "the plan's run key (default: $DAP_RUN_KEY)")
    .option('--params-file <file>', 'JSON object of params to log (default: $DAP_PARAMS_FILE)')
    .option('--metrics-file <file>', 'JSONL file the command appends metrics to (default: $DAP_METRICS_FILE or .dap/metrics.jsonl)')
    .option('--metric-file <file>', 'end-of-run metrics file (metrics.json, .csv, .jsonl); repeatable (default: $DAP_METRIC_FILES)', collect)
    .option('--artifact <path>', 'file, directory or glob to upload at the end; repeatable (default: $DAP_ARTIFACTS)', collect)
    .option('--identity <id>', 'run identity (default: run key + pipeline id + job name)')
    .option('--run-name <name>', 'MLflow run name (default: $CI_JOB_NAME)')
    .option('--journal-dir <dir>', 'journal directory (default: $DAP_JOURNAL_DIR or .dap/journal)')
    .option('--tracking-uri <uri>', 'MLflow server (default: $MLFLOW_TRACKING_URI; none: journal only)')
    .option('--require-tracking', 'fail (exit 3) if the run cannot reach MLflow (default: $DAP_TRACKING_REQUIRED)')
    .addHelpText('after', '\nExample:\n  dap track --experiment demo --params-file params.json -- python3 train.py --epochs 3\n')
    .action(outcomes.action(async (command: string[], o: Record<string, unknown>) => {
      const { trackOp } = await import('../../ops/track.js');
      const result = await trackOp({
        command,
        experiment: o.experiment as string | undefined,
        runKey: o.runKey as string | undefined,
        paramsFile: o.paramsFile as string | undefined,
        metricsFile: o.metricsFile as string | undefined,
        metricFiles: o.metricFile as string[] | undefined,
        artifacts: o.artifact as string[] | undefined,
        identity: o.identity as string | undefined,
        runName: o.runName as string | undefined,
        journalDir: o.journalDir as string | undefined,
        trackingUri: o.trackingUri as string | undefined,
        requireTracking: o.requireTracking ? true : undefined,
      });
      return result.exitCode;
    }));
}
