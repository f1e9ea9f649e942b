import fs from 'node:fs';
import path from 'node:path';
import { DapError, UsageError } from '../errors.js';
import { createMlflowClient } from '../adapters/mlflow/index.js';
import { publishRetryFromEnv } from '../adapters/http/transient-retry.js';
import { reportCharts } from '../core/report/charts.js';
import { renderHtml } from '../core/report/html.js';
import { fitMarkdown, GITLAB_NOTE_LIMIT } from '../core/report/markdown.js';
import { buildReport, type Report } from '../core/report/model.js';
import type { ExperimentRuns, ReportSubject } from '../core/report/types.js';
import { writeAllAtomic } from './generate.js';
import { loadSpecs } from './load-specs.js';
import { renderAll } from './report-charts.js';
import { latestPipeline, localRuns } from './report-local.js';
import { publishReport, type Posted } from './report-publish.js';
import { goalsOf, MlflowReportSource, type ExperimentRanking } from './report-runs.js';

// `dap report`: one pipeline's runs compared with the target branch's latest, as report.md and
// report.html (job artifacts) and as the comment people read in the merge request.

export interface ReportOptions {
  root: string;
  env?: NodeJS.ProcessEnv;
  pipeline?: string;
  mr?: number;
  /** the runs in the project's journals (.dap/journal) instead of MLflow */
  local?: boolean;
  /** branch to compare with (default: the MR's target branch) */
  target?: string;
  project?: string;
  /** default <root>/.dap/report */
  outDir?: string;
  /** post to GitLab/GitHub (default: yes, except --local) */
  post?: boolean;
  /** a posting failure fails the command */
  strict?: boolean;
  /** runs per experiment in the comment */
  top?: number;
  githubPr?: number;
  trackingUri?: string;
  say?: (line: string) => void;
}

export interface ReportResult {
  outDir: string;
  files: string[];
  report: Report;
  posted: Posted[];
  failures: string[];
  exitCode: number;
}

interface Context { subject: ReportSubject; pipelineId?: string; mrIid?: number; sha?: string; project?: string }

async function context(o: ReportOptions, env: NodeJS.ProcessEnv): Promise<Context> {
  const inJob = !o.local && !o.pipeline && !o.mr;
  // a job of `dap run --local` is tagged with the local pipeline id dap drew, parent and children alike
  const localRun = env.DAP_LOCAL_RUN === '1';
  let pipelineId = o.pipeline ?? (o.local ? undefined : localRun ? (env.DAP_LOCAL_PIPELINE_ID ?? env.CI_PIPELINE_ID) : env.CI_PIPELINE_ID);
  let mrIid = o.mr ?? (inJob && env.CI_MERGE_REQUEST_IID ? Number(env.CI_MERGE_REQUEST_IID) : undefined);
  let sha = inJob ? (localRun ? env.DAP_GIT_COMMIT : env.CI_COMMIT_SHA) : undefined;
  let branch = inJob ? (localRun ? env.DAP_GIT_BRANCH : (env.CI_MERGE_REQUEST_SOURCE_BRANCH_NAME ?? env.CI_COMMIT_BRANCH ?? env.CI_COMMIT_REF_NAME)) : undefined;
  let target = o.target ?? (inJob ? env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME : undefined);
  // a branch pipeline without an MR: compare with the default branch (unless this is it)
  if (inJob && !target && env.CI_DEFAULT_BRANCH && env.CI_DEFAULT_BRANCH !== branch) target = env.CI_DEFAULT_BRANCH;
  let pipelineUrl = inJob ? env.CI_PIPELINE_URL : undefined;
  if (o.mr !== undefined) {
    if (!Number.isInteger(o.mr) || o.mr <= 0) throw new UsageError(`--mr ${o.mr}: not a merge request IID`, 'pass the number after ! in the merge request');
    const { gitlabFromEnv, gitlabError } = await import('../adapters/gitlab/client.js');
    const { showMergeRequest } = await import('../adapters/gitlab/pipelines.js');
    const token = env.DAP_GITLAB_TOKEN || env.GITLAB_TOKEN;
    const conn = gitlabFromEnv({ ...env, ...(token ? { GITLAB_TOKEN: token } : {}) }, o.project);
    const mr = await showMergeRequest(conn.api, conn.project, o.mr).catch((e: unknown) => { throw gitlabError(e, conn.host, `reading merge request !${o.mr}`); });
    if (!pipelineId) {
      pipelineId = mr.headPipeline ? String(mr.headPipeline.id) : undefined;
      pipelineUrl ??= mr.headPipeline?.webUrl;
    }
    sha = mr.sha;
    branch = mr.sourceBranch;
    target ??= mr.targetBranch;
    mrIid = mr.iid;
    if (!pipelineId) throw new DapError(`merge request !${o.mr} has no pipeline yet`, { hint: 'push to its branch (dap submit), or pass --pipeline ID' });
  }
  // GitLab's are numbers; `dap run --local` draws ids like 20261201T121500Z-3fa2c1
  if (pipelineId !== undefined && !/^(\d+|\d{8}T\d{6}Z-[0-9a-f]{6,})$/.test(pipelineId)) throw new UsageError(`--pipeline ${JSON.stringify(pipelineId)}: not a pipeline id`, 'pass the number GitLab shows for the pipeline (or a local pipeline id from dap run --local)');
  if (!o.local && !pipelineId) throw new UsageError('which pipeline?', 'pass --pipeline ID or --mr IID (inside a job CI_PIPELINE_ID is used), or --local for the runs in .dap/');
  const title = o.local ? `local runs${pipelineId ? ` (pipeline ${pipelineId})` : ''}` : `pipeline #${pipelineId}`;
  return { subject: { title, pipelineId, pipelineUrl, branch, sha, targetBranch: target }, pipelineId, mrIid, sha, project: o.project };
}

async function rankings(root: string): Promise<ExperimentRanking[]> {
  const specs = await loadSpecs(root);
  return specs.map((s) => ({ experiment: s.spec.tracking?.experiment ?? s.spec.name, primary: s.spec.metrics?.primary, goal: s.spec.metrics?.goal }));
}

async function fromMlflow(o: ReportOptions, env: NodeJS.ProcessEnv, ctx: Context, say: (l: string) => void, localRun: boolean): Promise<ExperimentRuns[]> {
  const uri = o.trackingUri ?? env.MLFLOW_TRACKING_URI;
  if (!uri) throw new UsageError('dap report needs the tracking server', 'set MLFLOW_TRACKING_URI (or pass --tracking-uri URL), or use --local for the runs in .dap/');
  const source = new MlflowReportSource(createMlflowClient({ trackingUri: uri, env }), env.DAP_MLFLOW_UI_URL?.replace(/\/+$/, ''));
  const ranked = await rankings(o.root);
  if (!ranked.length) throw new DapError(`no experiment specs in ${path.join(o.root, 'experiments')}`, { hint: 'run dap report from the project (any subdirectory of its checkout)' });
  const target = ctx.subject.targetBranch;
  const pipelines = [ctx.pipelineId!, ...(localRun ? [] : await childPipelines(env, ctx, say))];
  const out: ExperimentRuns[] = [];
  for (const r of ranked) {
    const id = await source.experimentId(r.experiment);
    if (!id) continue;
    const runs = (await Promise.all(pipelines.map((p) => source.pipelineRuns(id, p)))).flat();
    if (!runs.length) continue;
    const e: ExperimentRuns = { experiment: r.experiment, primary: r.primary, goals: {}, runs };
    if (!target) e.noBaseline = 'no target branch to compare with (not a merge request pipeline; pass --target BRANCH)';
    else if (target === ctx.subject.branch) e.noBaseline = `this pipeline runs on the target branch ${target} itself`;
    else {
      const base = await source.latestOnBranch(id, target, ctx.pipelineId);
      if (base.runs.length) { e.baseline = base.runs; e.baselinePipeline = base.pipelineId; }
      else e.noBaseline = `the target branch ${target} has no runs of ${r.experiment} in MLflow yet (run its pipeline once)`;
    }
    const metrics = new Set([...runs, ...(e.baseline ?? [])].flatMap((x) => Object.keys(x.metrics)));
    e.goals = goalsOf(r, metrics);
    out.push(e);
  }
  if (!out.length) {
    throw new DapError(`MLflow at ${uri} has no runs of pipeline ${ctx.pipelineId} (looked in ${ranked.map((r) => r.experiment).join(', ')})`, {
      hint: 'did the pipeline ship its runs (its dap_sync job, or `dap sync --pipeline ID`)? is MLFLOW_TRACKING_URI the server the jobs used?',
    });
  }
  return out;
}

/**
 * The runs of a parent pipeline carry its child pipelines' ids (each child job sees its own
 * CI_PIPELINE_ID). Without GitLab to ask (local use), the pipeline id alone is searched.
 */
async function childPipelines(env: NodeJS.ProcessEnv, ctx: Context, say: (l: string) => void): Promise<string[]> {
  if (!(env.GITLAB_URL ?? env.CI_SERVER_URL) || !/^\d+$/.test(ctx.pipelineId!)) return [];
  const { gitlabFromEnv } = await import('../adapters/gitlab/client.js');
  const { childPipelineIds } = await import('../adapters/gitlab/pipelines.js');
  const token = env.DAP_GITLAB_TOKEN || env.GITLAB_TOKEN;
  try {
    const conn = gitlabFromEnv({ ...env, ...(token ? { GITLAB_TOKEN: token } : {}) }, ctx.project);
    return (await childPipelineIds(conn.api, conn.project, Number(ctx.pipelineId))).map(String);
  } catch (e) {
    // e.g. a job token that cannot list bridges: the runs tagged with this pipeline still count
    say(`dap report: warning: cannot list the child pipelines of ${ctx.pipelineId} (${(e as Error).message.split('\n')[0]}); reporting the runs tagged with ${ctx.pipelineId} only`);
    return [];
  }
}

function fromJournals(o: ReportOptions, env: NodeJS.ProcessEnv, ctx: Context): ExperimentRuns[] {
  const dir = env.DAP_JOURNAL_DIR ?? path.join(o.root, '.dap', 'journal');
  const exps = localRuns(dir);
  const pipeline = ctx.pipelineId ?? latestPipeline(exps);
  if (pipeline) ctx.subject.title = `local runs (pipeline ${pipeline})`;
  const out = exps
    .map((e) => ({ ...e, runs: e.runs.filter((r) => pipeline === undefined || r.pipelineId === pipeline) }))
    .filter((e) => e.runs.length)
    .map((e): ExperimentRuns => ({
      experiment: e.experiment, primary: e.primary, runs: e.runs,
      goals: goalsOf(e, new Set(e.runs.flatMap((r) => Object.keys(r.metrics)))),
      noBaseline: 'these are runs from the local journals; the target branch\'s runs are in MLflow (set MLFLOW_TRACKING_URI and use dap report --pipeline ID)',
    }));
  if (!out.length) throw new DapError(`no runs in ${dir}${pipeline ? ` for pipeline ${pipeline}` : ''}`, { hint: 'run `dap run --local` first' });
  return out;
}

export async function reportOp(o: ReportOptions): Promise<ReportResult> {
  const env = o.env ?? process.env;
  const say = o.say ?? ((l: string) => process.stderr.write(l + '\n'));
  const top = o.top ?? 10;
  if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top ${o.top}: must be a positive integer`);
  // a job of `dap run --local` (gitlab-ci-local): CI_SERVER_URL there is a placeholder, never post
  // or ask it anything; without a tracking server the runs are in the journals
  const localRun = env.DAP_LOCAL_RUN === '1';
  const journals = o.local || (localRun && !(o.trackingUri ?? env.MLFLOW_TRACKING_URI));
  const ctx = await context(o, env);
  const experiments = journals ? fromJournals(o, env, ctx) : await fromMlflow(o, env, ctx, say, localRun);
  const report = buildReport({ subject: ctx.subject, experiments });
  const charts = reportCharts(report);
  const svgs = await renderAll(charts);

  const outDir = path.resolve(o.root, o.outDir ?? path.join('.dap', 'report'));
  const files = [
    ...charts.map((c) => ({ abs: path.join(outDir, 'charts', `${c.id}.svg`), text: svgs[c.id]! })),
    { abs: path.join(outDir, 'report.md'), text: fitMarkdown(report, { topN: top, charts, images: Object.fromEntries(charts.map((c) => [c.id, `![${c.title.replace(/[[\]\\]/g, '')}](charts/${c.id}.svg)`])) }, GITLAB_NOTE_LIMIT).text },
    { abs: path.join(outDir, 'report.html'), text: renderHtml(report, charts, svgs) },
  ];
  fs.mkdirSync(outDir, { recursive: true });
  await writeAllAtomic(files);
  say(`dap report: ${report.totals.runs} run(s) in ${report.experiments.length} experiment(s); wrote ${path.relative(o.root, outDir) || '.'}/report.md, report.html and ${charts.length} chart(s)`);

  let posted: Posted[] = [];
  let failures: string[] = [];
  if (localRun && o.post !== false) say('dap report: a local run (dap run --local): not posting; the report is in the job artifacts');
  if (o.post ?? (!o.local && !localRun)) {
    ({ posted, failures } = await publishReport({
      env, project: o.project, report, charts, svgs, topN: top, mrIid: ctx.mrIid, sha: ctx.sha,
      githubPr: o.githubPr ?? (env.DAP_GITHUB_PR ? Number(env.DAP_GITHUB_PR) : undefined), retry: publishRetryFromEnv(env), say,
    }));
    for (const p of posted) say(`dap report: ${p.action} ${p.where}`);
    for (const f of failures) say(`dap report: ${o.strict ? 'error' : 'warning'}: could not post: ${f}`);
  }
  return { outDir, files: files.map((f) => f.abs), report, posted, failures, exitCode: failures.length && o.strict ? 1 : 0 };
}
