// What every `dap sweep` step needs: the spec planned as a halving sweep, the sweep's id (the
// parent pipeline's), and the results so far (MLflow first, journals when it cannot be reached).

import fs from 'node:fs';
import path from 'node:path';
import { DapError, UnavailableError, UsageError } from '../errors.js';
import { planExperiment } from '../core/plan/index.js';
import type { ExperimentPlan } from '../core/plan/types.js';
import type { HalvingPlan } from '../core/halving/plan.js';
import type { OutcomeOf } from '../core/halving/select.js';
import { loadSpecs } from './load-specs.js';
import { defaultJournalDir } from '../tracking/journal.js';
import { journalSweepRuns, mlflowSweepRuns, type SweepRunRecord } from '../tracking/sweep-results.js';
import type { LoadedSpec } from '../core/spec/types.js';

export interface SweepContext {
  root: string;
  loaded: LoadedSpec;
  exp: ExperimentPlan;
  halving: HalvingPlan;
  primary: string;
  goal: 'minimize' | 'maximize';
  trackingExperiment: string;
  sweepId: string;
  env: NodeJS.ProcessEnv;
  say: (line: string) => void;
}

export interface SweepBaseOptions {
  root: string;
  /** a spec file (relative to root) or an experiment name */
  spec: string;
  /** default: $CI_PIPELINE_ID (under `dap run --local`: $DAP_LOCAL_PIPELINE_ID) */
  sweepId?: string;
  env?: NodeJS.ProcessEnv;
  say?: (line: string) => void;
}

/**
 * The parent pipeline's id. Under `dap run --local` gitlab-ci-local numbers pipelines per clone, so
 * the local pipeline id dap draws for the whole run (DAP_LOCAL_PIPELINE_ID, shared by its children) is used.
 */
export function sweepIdFrom(env: NodeJS.ProcessEnv): string | undefined {
  const id = (env.DAP_SOURCE === 'local' ? env.DAP_LOCAL_PIPELINE_ID : env.CI_PIPELINE_ID)?.trim();
  return id && /^[0-9A-Za-z_-]{1,64}$/.test(id) ? id : undefined;
}

export async function sweepContext(opts: SweepBaseOptions): Promise<SweepContext> {
  const env = opts.env ?? process.env;
  const root = path.resolve(opts.root);
  const byFile = /\.ya?ml$/.test(opts.spec);
  const specs = await loadSpecs(root, byFile ? [path.resolve(root, opts.spec)] : undefined);
  const loaded = byFile ? specs[0] : specs.find((s) => s.spec.name === opts.spec);
  if (!loaded) throw new UsageError(`no experiment named ${opts.spec}`, `known: ${specs.map((s) => s.spec.name).join(', ') || 'none'}; or pass the spec file`);
  const exp = planExperiment(loaded);
  if (!exp.halving) throw new UsageError(`${loaded.file}: experiment ${loaded.spec.name} is not a halving sweep`, 'dap sweep works on specs with sweep.halving');
  const sweepId = opts.sweepId ?? sweepIdFrom(env);
  if (!sweepId) throw new UsageError('which sweep? no CI_PIPELINE_ID', 'dap sweep runs in the parent pipeline\'s jobs; outside CI pass --sweep-id ID');
  const { primary, goal } = loaded.spec.metrics ?? {};
  if (!primary || !goal) throw new DapError(`${loaded.file}: a halving sweep needs metrics.primary and metrics.goal`);
  return {
    root, loaded, exp, halving: exp.halving, primary, goal, sweepId, env,
    trackingExperiment: loaded.spec.tracking?.experiment ?? loaded.spec.name,
    say: opts.say ?? ((l) => process.stderr.write(l + '\n')),
  };
}

export interface SweepResults {
  records: SweepRunRecord[];
  /** where they came from, for the report */
  source: string;
  fromMlflow: boolean;
  outcomeOf: OutcomeOf;
}

/** A run seen twice (a retried job, a journal copy) counts once: a finished copy wins, then the first by source. */
function indexRecords(records: SweepRunRecord[]): OutcomeOf {
  const byKey = new Map<string, SweepRunRecord>();
  const sorted = [...records].sort((a, b) => Number(b.status === 'FINISHED') - Number(a.status === 'FINISHED') || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  for (const r of sorted) {
    const k = `${r.bracket}|${r.rung}|${r.runKey}`;
    if (!byKey.has(k)) byKey.set(k, r);
  }
  return (bracket, rung, runKey) => byKey.get(`${bracket}|${rung}|${runKey}`);
}

export async function sweepResults(ctx: SweepContext): Promise<SweepResults> {
  const uri = ctx.env.MLFLOW_TRACKING_URI;
  if (uri) {
    try {
      const records = await mlflowSweepRuns({ trackingUri: uri, env: ctx.env, experiment: ctx.trackingExperiment, sweepPipelineId: ctx.sweepId, primary: ctx.primary });
      return { records, source: 'MLflow', fromMlflow: true, outcomeOf: indexRecords(records) };
    } catch (e) {
      if (!(e instanceof UnavailableError) && !isNetworkError(e)) throw e;
      ctx.say(`dap sweep: MLflow unreachable (${(e as Error).message}); reading the runs' journals instead`);
    }
  }
  const dirs = [defaultJournalDir(ctx.env, ctx.root)].filter((d) => fs.existsSync(d));
  const canGitlab = Boolean((ctx.env.GITLAB_URL ?? ctx.env.CI_SERVER_URL) && (ctx.env.GITLAB_TOKEN ?? ctx.env.CI_JOB_TOKEN) && /^\d+$/.test(ctx.env.CI_PIPELINE_ID ?? ''));
  if (canGitlab && !ctx.env.DAP_LOCAL_RUN) {
    const { fetchPipelineJournals } = await import('../adapters/gitlab/pipeline-journals.js');
    const dest = path.join(ctx.root, '.dap', 'sync', `sweep-${ctx.sweepId}`);
    // only the journals: ranking needs no artifact files
    dirs.push(await fetchPipelineJournals({ pipelineId: ctx.env.CI_PIPELINE_ID!, env: ctx.env, dest, say: ctx.say, alsoExtract: () => [] }));
  }
  const records = journalSweepRuns(dirs, ctx.sweepId, ctx.primary);
  return { records, source: `journals (${dirs.map((d) => (d.startsWith(ctx.root + path.sep) ? path.relative(ctx.root, d) : d)).join(', ') || 'none found'})`, fromMlflow: false, outcomeOf: indexRecords(records) };
}

/** Connection trouble or a server error that outlived the client's retries. */
function isNetworkError(e: unknown): boolean {
  const status = (e as { status?: unknown })?.status;
  if (typeof status === 'number' && status >= 500) return true;
  const code = (e as { code?: string; cause?: { code?: string } })?.cause?.code ?? (e as { code?: string })?.code;
  return typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|UND_ERR)/.test(code);
}
