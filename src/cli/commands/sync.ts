import type { Command } from 'commander';
import type { Outcomes } from '../outcome.js';

export function register(program: Command, outcomes: Outcomes): void {
  program
    .command('sync')
    .description('ship journals that have not reached MLflow yet (a directory, unpacked job artifacts, or a GitLab pipeline)')
    .argument('[dirs...]', 'journal directories or files (default: $DAP_JOURNAL_DIR or .dap/journal)')
    .option('--from-artifacts <dir>', "unpacked job artifacts (.dap/): journals plus bare runs of foreign-image jobs")
    .option('--pipeline <id>', "fetch the journals from a GitLab pipeline's job artifacts (GITLAB_URL + GITLAB_TOKEN, or CI_SERVER_URL + CI_JOB_TOKEN)")
    .option('--project <id-or-path>', 'GitLab project for --pipeline (default: $CI_PROJECT_ID)')
    .option('--tracking-uri <uri>', 'MLflow server (default: $MLFLOW_TRACKING_URI)')
    .option('--json', 'print the result as JSON')
    .action(outcomes.action(async (dirs: string[], o: { fromArtifacts?: string; pipeline?: string; project?: string; trackingUri?: string; json?: boolean }) => {
      const { syncOp } = await import('../../ops/sync.js');
      const result = await syncOp({ dirs, fromArtifacts: o.fromArtifacts, pipeline: o.pipeline, project: o.project, trackingUri: o.trackingUri });
      if (o.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      else {
        const shipped = result.journals.filter((j) => j.outcome === 'shipped');
        const partial = result.journals.filter((j) => j.outcome === 'partial');
        const points = [...shipped, ...partial].reduce((n, j) => n + (j.counts?.metrics ?? 0), 0);
        process.stdout.write(`shipped ${shipped.length}/${result.journals.length} journal(s)${partial.length ? `, ${partial.length} in part (items lost)` : ''}, ${points} metric point(s) to ${result.trackingUri}\n`);
      }
      return result.exitCode;
    }));
}
