import type { Command } from 'commander';
import type { Outcomes } from '../outcome.js';
import { UsageError } from '../../errors.js';

interface ReportFlags {
  pipeline?: string; mr?: string; local?: boolean; target?: string; project?: string; out?: string; post: boolean;
  strict?: boolean; top: string; githubPr?: string; trackingUri?: string; root?: string; json?: boolean;
}

const positive = (flag: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(v)) throw new UsageError(`${flag} ${v}: must be a positive integer`);
  return Number(v);
};

export function register(program: Command, outcomes: Outcomes): void {
  program
    .command('report')
    .description("compare a pipeline's runs with the target branch (tables + charts) and post it to the merge request")
    .option('--pipeline <id>', 'the pipeline whose runs to report (inside a job: $CI_PIPELINE_ID)')
    .option('--mr <iid>', "a merge request: its head pipeline, its target branch, and where the note goes")
    .option('--local', 'the runs in .dap/journal (the latest local pipeline), no MLflow; writes files, posts nothing')
    .option('--target <branch>', "compare with this branch's latest runs (default: the merge request's target branch)")
    .option('--project <id-or-path>', 'GitLab project (default: $CI_PROJECT_ID)')
    .option('--out <dir>', 'where report.md, report.html and charts/ go (default .dap/report)')
    .option('--no-post', 'write the files only')
    .option('--strict', 'fail (exit 1) when the report cannot be posted')
    .option('--top <n>', 'runs per experiment in the comment (the rest are in report.html)', '10')
    .option('--github-pr <number>', 'also comment on this GitHub pull request (DAP_GITHUB_REPOSITORY + DAP_GITHUB_TOKEN; default $DAP_GITHUB_PR)')
    .option('--tracking-uri <uri>', 'MLflow server (default: $MLFLOW_TRACKING_URI)')
    .option('--root <dir>', 'project root (default: the nearest directory upwards holding experiments/ or .git)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
Posting: GITLAB_URL (in a job CI_SERVER_URL) and DAP_GITLAB_TOKEN, a project access token with the
api scope (a job token cannot write notes). The note is found again by a hidden marker and edited
in place. GitHub mirrors: DAP_GITHUB_REPOSITORY=owner/name, DAP_GITHUB_TOKEN, DAP_GITHUB_PR.
Exit status: 0 report written (posting failures are warnings unless --strict), 1 no runs or
--strict posting failure, 2 bad usage, 3 MLflow or GitLab unreachable.`)
    .action(outcomes.action(async (f: ReportFlags) => {
      if (f.local && f.mr) throw new UsageError('--local and --mr exclude each other', 'a merge request is reported from MLflow');
      const { reportOp } = await import('../../ops/report.js');
      const { resolveRoot } = await import('../../paths.js');
      const result = await reportOp({
        root: resolveRoot(f.root),
        pipeline: f.pipeline, mr: positive('--mr', f.mr), local: f.local, target: f.target, project: f.project, outDir: f.out,
        post: f.post === false ? false : undefined, strict: f.strict, top: positive('--top', f.top), githubPr: positive('--github-pr', f.githubPr),
        trackingUri: f.trackingUri,
      });
      if (f.json) {
        const { report, ...rest } = result;
        process.stdout.write(JSON.stringify({ ...rest, totals: report.totals, experiments: report.experiments.map((e) => ({ experiment: e.experiment, runs: e.rows.length, failed: e.failed.length, best: e.best?.run.name, deltas: e.deltas, noBaseline: e.noBaseline })) }, null, 2) + '\n');
      } else {
        process.stdout.write(`${result.outDir}/report.md\n${result.outDir}/report.html\n`);
      }
      return result.exitCode;
    }));
}
