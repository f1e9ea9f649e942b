// Runs -> the comparison a reviewer reads: per experiment the ranked runs with their final and
// best metric values, the best run, the failed ones, and deltas against the target branch.

import type { ExperimentRuns, Goal, ReportInput, ReportRun, ReportSubject } from './types.js';

export interface MetricStat { final: number; best: number; points: number }

export interface RunRow {
  run: ReportRun;
  /** 1 = best by the primary metric among finished runs */
  rank?: number;
  stats: Record<string, MetricStat>;
  /** the primary metric's best value minus that of the target-branch run with the same run key */
  primaryDelta?: number;
}

export interface MetricDelta {
  metric: string;
  goal?: Goal;
  /** best value over this pipeline's finished runs */
  current: number;
  /** best value over the target branch's runs */
  target: number;
  delta: number;
  /** true/false against the goal; undefined without a goal or when equal */
  better?: boolean;
}

export interface ExperimentReport {
  experiment: string;
  primary?: string;
  goals: Record<string, Goal>;
  /** params that differ between runs (the sweep axes), then params every run shares */
  sweptParams: string[];
  fixedParams: Record<string, string>;
  metrics: string[];
  /** ranked runs first (best first), then unranked, then failed */
  rows: RunRow[];
  best?: RunRow;
  failed: RunRow[];
  deltas: MetricDelta[];
  baselineRuns: number;
  baselinePipeline?: string;
  noBaseline?: string;
}

export interface Report {
  subject: ReportSubject;
  experiments: ExperimentReport[];
  totals: { runs: number; finished: number; failed: number };
}

const FAILED = new Set(['FAILED', 'KILLED']);

export function metricStats(points: Array<[number, number]>, goal: Goal | undefined): MetricStat {
  const values = points.map(([, v]) => v).filter((v) => !Number.isNaN(v));
  const final = points.length ? points[points.length - 1]![1] : NaN;
  if (!values.length) return { final, best: NaN, points: points.length };
  const best = goal === 'maximize' ? Math.max(...values) : goal === 'minimize' ? Math.min(...values) : final;
  return { final, best, points: points.length };
}

function rowOf(run: ReportRun, goals: Record<string, Goal>): RunRow {
  const stats: Record<string, MetricStat> = {};
  for (const [k, pts] of Object.entries(run.metrics)) stats[k] = metricStats(pts, goals[k]);
  return { run, stats };
}

/** a before b when a is better; NaN and missing values last */
function compareBy(metric: string, goal: Goal | undefined) {
  const sign = goal === 'maximize' ? -1 : 1;
  return (a: RunRow, b: RunRow): number => {
    const x = a.stats[metric]?.best ?? NaN;
    const y = b.stats[metric]?.best ?? NaN;
    if (Number.isNaN(x) || Number.isNaN(y)) return Number(Number.isNaN(x)) - Number(Number.isNaN(y));
    return sign * (x - y) || a.run.name.localeCompare(b.run.name);
  };
}

function bestValue(rows: RunRow[], metric: string, goal: Goal | undefined): number {
  const sorted = rows.filter((r) => !Number.isNaN(r.stats[metric]?.best ?? NaN)).sort(compareBy(metric, goal));
  return sorted[0]?.stats[metric]?.best ?? NaN;
}

function splitParams(runs: ReportRun[]): { swept: string[]; fixed: Record<string, string> } {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  const swept: string[] = [];
  const fixed: Record<string, string> = {};
  for (const k of keys) {
    const values = new Set(runs.map((r) => r.params[k]));
    if (values.size > 1 || runs.some((r) => !(k in r.params))) swept.push(k);
    else fixed[k] = [...values][0]!;
  }
  return { swept, fixed };
}

function experimentReport(e: ExperimentRuns): ExperimentReport {
  const { goals, primary } = e;
  const all = e.runs.map((r) => rowOf(r, goals));
  const failed = all.filter((r) => FAILED.has(r.run.status)).sort((a, b) => a.run.name.localeCompare(b.run.name));
  const ok = all.filter((r) => !FAILED.has(r.run.status));
  const metrics = [...new Set(all.flatMap((r) => Object.keys(r.stats)))].sort((a, b) => (a === primary ? -1 : b === primary ? 1 : a.localeCompare(b)));
  let ranked: RunRow[] = [];
  let unranked = ok;
  if (primary) {
    ranked = ok.filter((r) => r.run.status === 'FINISHED' && !Number.isNaN(r.stats[primary]?.best ?? NaN)).sort(compareBy(primary, goals[primary]));
    ranked.forEach((r, i) => { r.rank = i + 1; });
    unranked = ok.filter((r) => r.rank === undefined);
  }
  unranked.sort((a, b) => a.run.startTime - b.run.startTime || a.run.name.localeCompare(b.run.name));
  const { swept, fixed } = splitParams(e.runs);

  const base = e.baseline?.map((r) => rowOf(r, goals)).filter((r) => r.run.status === 'FINISHED') ?? [];
  const deltas: MetricDelta[] = [];
  if (base.length) {
    const finished = ok.filter((r) => r.run.status === 'FINISHED');
    for (const m of metrics) {
      const current = bestValue(finished, m, goals[m]);
      const target = bestValue(base, m, goals[m]);
      if (Number.isNaN(current) || Number.isNaN(target)) continue;
      const delta = current - target;
      const goal = goals[m];
      const better = !goal || delta === 0 ? undefined : goal === 'minimize' ? delta < 0 : delta > 0;
      deltas.push({ metric: m, goal, current, target, delta, better });
    }
    if (primary) {
      const byKey = new Map(base.filter((b) => b.run.runKey).map((b) => [b.run.runKey!, b]));
      for (const r of ranked) {
        const twin = r.run.runKey ? byKey.get(r.run.runKey) : undefined;
        const t = twin?.stats[primary]?.best;
        if (t !== undefined && !Number.isNaN(t)) r.primaryDelta = r.stats[primary]!.best - t;
      }
    }
  }
  const noBaseline = e.noBaseline ?? (e.baseline && !base.length ? 'the target branch has no finished runs of this experiment' : undefined);
  return {
    experiment: e.experiment, primary, goals, sweptParams: swept, fixedParams: fixed, metrics,
    rows: [...ranked, ...unranked, ...failed], best: ranked[0], failed, deltas,
    baselineRuns: base.length, baselinePipeline: e.baselinePipeline, noBaseline,
  };
}

export function buildReport(input: ReportInput): Report {
  const experiments = input.experiments.map(experimentReport);
  const runs = experiments.reduce((n, e) => n + e.rows.length, 0);
  const failed = experiments.reduce((n, e) => n + e.failed.length, 0);
  const finished = experiments.reduce((n, e) => n + e.rows.filter((r) => r.run.status === 'FINISHED').length, 0);
  return { subject: input.subject, experiments, totals: { runs, finished, failed } };
}

/** The rows a size-limited view shows: the top `n` ranked/unranked rows and up to `n` failed ones. */
export function topRows(e: ExperimentReport, n: number): { shown: RunRow[]; failedShown: RunRow[]; hidden: number } {
  const good = e.rows.filter((r) => !e.failed.includes(r));
  const shown = good.slice(0, n);
  const failedShown = e.failed.slice(0, n);
  return { shown, failedShown, hidden: good.length - shown.length + e.failed.length - failedShown.length };
}
