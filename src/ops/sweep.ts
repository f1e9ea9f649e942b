// `dap sweep open|select|close`: the jobs of a halving sweep's parent pipeline. open writes rung
// 0's child pipeline(s) from the spec; select N reads rung N-1's results and writes rung N's;
// close logs the best configuration on the sweep's MLflow parent run.

import path from 'node:path';
import { DapError } from '../errors.js';
import { rungChild } from '../core/halving/child.js';
import { rungFile } from '../core/halving/parent.js';
import { configIndexOf } from '../core/halving/plan.js';
import { bestOf, replayBracket, selectRung, SweepStopped, type RungSelection } from '../core/halving/select.js';
import type { PlannedRun } from '../core/plan/types.js';
import { defaultLimits, type Limits } from '../core/pipeline/types.js';
import { dapVersion, readImagesLock, writeAllAtomic } from './generate.js';
import { sweepContext, sweepResults, type SweepBaseOptions, type SweepContext, type SweepResults } from './sweep-context.js';
import { linkTrials, logSweepResult, openSweepParent, type SweepParent } from '../tracking/sweep-parent.js';

export interface SweepStepOptions extends SweepBaseOptions {
  tracking?: boolean;
  limits?: Partial<Limits>;
}

export interface WrittenChild { path: string; bracket: number; rung: number; runs: number; budget: number; bytes: number }

export interface SweepStepResult {
  experiment: string;
  /** the metric runs are ranked by */
  primary: string;
  sweepId: string;
  rung: number;
  source?: string;
  selections: RungSelection[];
  children: WrittenChild[];
  best?: { runKey: string; index: number; value: number; params: Record<string, unknown> };
}

async function parentRun(ctx: SweepContext): Promise<SweepParent | undefined> {
  const uri = ctx.env.MLFLOW_TRACKING_URI;
  if (!uri) return undefined;
  const h = ctx.halving.sweep;
  try {
    return await openSweepParent({
      trackingUri: uri, env: ctx.env, trackingExperiment: ctx.trackingExperiment, experiment: ctx.loaded.spec.name, sweepPipelineId: ctx.sweepId,
      settings: { eta: String(h.eta), 'budget.param': h.budget.param, 'budget.min': String(h.budget.min), 'budget.max': String(h.budget.max), brackets: String(ctx.halving.brackets.length) },
      tags: { 'dap.spec_file': ctx.loaded.file, 'dap.spec_hash': ctx.loaded.hash, ...(ctx.env.CI_PIPELINE_URL ? { 'dap.pipeline_url': ctx.env.CI_PIPELINE_URL } : {}) },
    });
  } catch (e) {
    ctx.say(`dap sweep: warning: no MLflow parent run (${(e as Error).message})`);
    return undefined;
  }
}

async function writeChildren(ctx: SweepContext, opts: SweepStepOptions, rung: number, runsOf: Map<number, { runs: PlannedRun[]; resumeFrom?: Map<string, string> }>): Promise<WrittenChild[]> {
  const [version, images] = [await dapVersion(), await readImagesLock(ctx.root)];
  const limits = { ...defaultLimits, ...opts.limits };
  const brackets = ctx.halving.brackets.length;
  const files = [...runsOf].map(([bracket, { runs, resumeFrom }]) => rungChild({
    exp: ctx.exp, bracket, rung, runs, resumeFrom, sweepPipelineId: ctx.sweepId,
    path: rungFile(ctx.loaded.spec.name, bracket, rung, brackets),
    version, specs: [{ file: ctx.loaded.file, hash: ctx.loaded.hash }], images, tracking: opts.tracking ?? true, limits,
  }));
  await writeAllAtomic(files.map((f) => ({ abs: path.join(ctx.root, f.path), text: f.text })));
  return files.map((f, i) => {
    const bracket = [...runsOf.keys()][i]!;
    return { path: f.path, bracket, rung, runs: runsOf.get(bracket)!.runs.length, budget: ctx.halving.brackets[bracket]!.rungs[rung]!.budget, bytes: f.bytes };
  });
}

export async function sweepOpenOp(opts: SweepStepOptions): Promise<SweepStepResult> {
  const ctx = await sweepContext(opts);
  await parentRun(ctx);
  const runsOf = new Map(ctx.halving.brackets.map((b) => [b.bracket, { runs: ctx.exp.runs.filter((r) => r.index >= b.firstIndex && r.index < b.firstIndex + b.configs.length) }]));
  const children = await writeChildren(ctx, opts, 0, runsOf);
  return { experiment: ctx.loaded.spec.name, primary: ctx.primary, sweepId: ctx.sweepId, rung: 0, selections: [], children };
}

/** Replays every bracket that reaches `rung`; a rung with nothing to promote stops the sweep (parent run marked FAILED). */
async function replayAll(ctx: SweepContext, results: SweepResults, rung: number, parent: SweepParent | undefined, last: boolean) {
  const out = new Map<number, { runs: PlannedRun[]; selections: RungSelection[] }>();
  for (const b of ctx.halving.brackets) {
    const upTo = last ? b.rungs.length - 1 : rung;
    if (upTo >= b.rungs.length) continue;
    try {
      out.set(b.bracket, replayBracket(ctx.loaded.spec, ctx.halving, b.bracket, upTo, results.outcomeOf, ctx.primary, ctx.goal));
    } catch (e) {
      if (!(e instanceof SweepStopped)) throw e;
      if (parent) await logSweepResult(parent, undefined, 'FAILED', e.message).catch(() => undefined);
      throw new DapError(`sweep stopped: ${e.message}`, { hint: `results read from ${results.source}; fix the failing runs (their job logs say why) and run the pipeline again` });
    }
  }
  return out;
}

async function link(ctx: SweepContext, results: SweepResults, parent: SweepParent | undefined, selections: RungSelection[]): Promise<void> {
  if (!parent || !results.fromMlflow) return;
  const ids = selections.flatMap((s) => s.runs.map((r) => results.outcomeOf(s.bracket, s.rung, r.key)?.runId).filter((x): x is string => Boolean(x)));
  await linkTrials(parent, ids).catch((e) => ctx.say(`dap sweep: warning: could not link the trials to the sweep's parent run: ${(e as Error).message}`));
}

export async function sweepSelectOp(opts: SweepStepOptions & { rung: number }): Promise<SweepStepResult> {
  const ctx = await sweepContext(opts);
  if (!Number.isInteger(opts.rung) || opts.rung < 1 || opts.rung >= ctx.halving.levels) {
    throw new DapError(`${ctx.loaded.spec.name} has rungs 0..${ctx.halving.levels - 1}; select writes rungs 1..${ctx.halving.levels - 1}, not ${opts.rung}`);
  }
  const results = await sweepResults(ctx);
  // MLflow just failed to answer: do not wait for it a second time
  const parent = results.fromMlflow ? await parentRun(ctx) : undefined;
  const replays = await replayAll(ctx, results, opts.rung, parent, false);
  const selections = [...replays.values()].map((r) => r.selections[opts.rung - 1]!);
  await link(ctx, results, parent, selections);
  const runsOf = new Map([...replays].map(([bracket, r]) => {
    const prev = r.selections[opts.rung - 1]!;
    const byConfig = new Map(prev.promoted.map((p) => [configIndexOf(ctx.halving, bracket, p), p.key]));
    const resumeFrom = ctx.loaded.spec.resume ? new Map(r.runs.map((run) => [run.key, byConfig.get(configIndexOf(ctx.halving, bracket, run))!])) : undefined;
    return [bracket, { runs: r.runs, resumeFrom }];
  }));
  const children = await writeChildren(ctx, opts, opts.rung, runsOf);
  return { experiment: ctx.loaded.spec.name, primary: ctx.primary, sweepId: ctx.sweepId, rung: opts.rung, source: results.source, selections, children };
}

export async function sweepCloseOp(opts: SweepStepOptions): Promise<SweepStepResult> {
  const ctx = await sweepContext(opts);
  const results = await sweepResults(ctx);
  // MLflow just failed to answer: do not wait for it a second time
  const parent = results.fromMlflow ? await parentRun(ctx) : undefined;
  const replays = await replayAll(ctx, results, 0, parent, true);
  const finals = [...replays].map(([bracket, r]) => {
    const rung = ctx.halving.brackets[bracket]!.rungs.length - 1;
    return selectRung(r.runs, (key) => results.outcomeOf(bracket, rung, key), { eta: ctx.halving.sweep.eta, primary: ctx.primary, goal: ctx.goal, bracket, rung });
  });
  await link(ctx, results, parent, finals);
  const best = bestOf(finals, ctx.goal);
  if (!best) {
    const message = `${ctx.loaded.spec.name}: no run of the last rung finished with a ${ctx.primary}: ${finals.flatMap((s) => s.excluded.map((e) => `${e.run.index}:${e.run.key.slice(0, 8)} (${e.reason})`)).join(', ')}`;
    if (parent) await logSweepResult(parent, undefined, 'FAILED', message).catch(() => undefined);
    throw new DapError(`sweep stopped: ${message}`, { hint: `results read from ${results.source}` });
  }
  if (parent) {
    const params = Object.fromEntries(Object.entries(best.run.params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
    const where = finals.find((f) => f.ranked.includes(best))!;
    const runId = results.outcomeOf(where.bracket, where.rung, best.run.key)?.runId;
    await logSweepResult(parent, { params, metric: ctx.primary, value: best.value, runKey: best.run.key, runId }, 'FINISHED');
  }
  return {
    experiment: ctx.loaded.spec.name, primary: ctx.primary, sweepId: ctx.sweepId, rung: ctx.halving.levels - 1, source: results.source, selections: finals, children: [],
    best: { runKey: best.run.key, index: best.run.index, value: best.value, params: best.run.params },
  };
}

