import fs from 'node:fs';
import { readWholeJournal } from './journal.js';
import { readCursor } from './cursor.js';
import { metricNumber, type RunStatus } from '../core/mlflow/values.js';

// What `dap runs` shows: a journal folded into one row, with no server involved.

export interface MetricSummary { last: number; lastStep: number; min: number; max: number; best: number; points: number }

export interface RunSummary {
  journal: string;
  identity: string;
  experiment: string;
  runKey?: string;
  runIndex?: number;
  runName: string;
  status: RunStatus;
  exitCode?: number;
  startTime: number;
  endTime?: number;
  params: Record<string, string>;
  metrics: Record<string, MetricSummary>;
  primary?: string;
  goal?: 'minimize' | 'maximize';
  /** 1 = best run of its experiment by the primary metric */
  rank?: number;
  /** tracking servers the whole journal reached */
  shippedTo: string[];
  /** the `dap.attempt_of` tag: every attempt of a retried GitLab job shares it */
  attemptOf?: string;
  /** how many attempts of this run were seen (set on the latest one by latestAttempts) */
  attempts?: number;
}

/** Without a declared goal: loss-like names are minimised, everything else maximised. */
export function goalFor(metric: string, declared?: { primary?: string; goal?: 'minimize' | 'maximize' }): 'minimize' | 'maximize' {
  if (declared?.goal && declared.primary === metric) return declared.goal;
  return /loss|err|mse|mae|rmse|perplexity|time|latency/i.test(metric) ? 'minimize' : 'maximize';
}

export function summarizeJournal(file: string): RunSummary | undefined {
  const { entries, end } = readWholeJournal(file);
  const first = entries[0]?.event;
  if (!first || first.t !== 'open') return undefined;
  const s: RunSummary = {
    journal: file, identity: first.identity, experiment: first.experiment, runKey: first.runKey, runIndex: first.runIndex,
    runName: first.runName, status: 'RUNNING', startTime: first.time, params: {}, metrics: {}, primary: first.primary, goal: first.goal,
    shippedTo: [],
  };
  for (const { event } of entries) {
    if (event.t === 'params') Object.assign(s.params, event.params);
    else if (event.t === 'tags' && event.tags['dap.attempt_of']) s.attemptOf = event.tags['dap.attempt_of'];
    else if (event.t === 'open') { s.status = 'RUNNING'; s.endTime = undefined; } // a later attempt of the same run
    else if (event.t === 'status') { s.status = event.status; s.endTime = event.time; s.exitCode = event.exitCode; }
    else if (event.t === 'metrics') {
      for (const p of event.points) {
        const v = metricNumber(p.v);
        const m = s.metrics[p.k];
        if (!m) { s.metrics[p.k] = { last: v, lastStep: p.s, min: v, max: v, best: v, points: 1 }; continue; }
        m.points++;
        if (p.s >= m.lastStep) { m.last = v; m.lastStep = p.s; }
        if (v < m.min || Number.isNaN(m.min)) m.min = v;
        if (v > m.max || Number.isNaN(m.max)) m.max = v;
      }
    }
  }
  for (const [k, m] of Object.entries(s.metrics)) m.best = goalFor(k, s) === 'minimize' ? m.min : m.max;
  const size = fs.statSync(file).size;
  for (const [uri, t] of Object.entries(readCursor(file).targets)) if (t.offset >= Math.min(size, end)) s.shippedTo.push(uri);
  return s;
}

/** One row per run: of the attempts of a retried job (same `attemptOf`), the latest started. */
export function latestAttempts(runs: RunSummary[]): RunSummary[] {
  const latest = new Map<string, RunSummary>();
  const counts = new Map<string, number>();
  const out: RunSummary[] = [];
  for (const r of runs) {
    if (!r.attemptOf) { out.push(r); continue; }
    counts.set(r.attemptOf, (counts.get(r.attemptOf) ?? 0) + 1);
    const seen = latest.get(r.attemptOf);
    if (!seen || r.startTime > seen.startTime) latest.set(r.attemptOf, r);
  }
  for (const [key, r] of latest) out.push({ ...r, attempts: counts.get(key) });
  return out;
}

/** Ranks runs within each experiment by the primary metric's best value (NaN last). */
export function rankRuns(runs: RunSummary[]): void {
  const byExp = new Map<string, RunSummary[]>();
  for (const r of runs) byExp.set(r.experiment, [...(byExp.get(r.experiment) ?? []), r]);
  for (const group of byExp.values()) {
    const primary = group.find((r) => r.primary)?.primary;
    if (!primary) continue;
    const goal = goalFor(primary, group.find((r) => r.primary === primary));
    const scored = group.filter((r) => r.metrics[primary] && !Number.isNaN(r.metrics[primary]!.best));
    scored.sort((a, b) => (goal === 'minimize' ? 1 : -1) * (a.metrics[primary]!.best - b.metrics[primary]!.best));
    scored.forEach((r, i) => { r.rank = i + 1; r.primary ??= primary; });
  }
}
