// Promotion between rungs: the best ⌊n/eta⌋ runs by the primary metric go on, ties broken by run
// key so the same results always give the same next rung. A failed run, or one that reported no
// (finite) primary metric, is never promoted, and the selection says which and why.

import type { PlannedRun } from '../plan/types.js';
import type { ExperimentSpec } from '../spec/types.js';
import { rungRuns, configIndexOf, type HalvingPlan } from './plan.js';

export interface RunOutcome {
  /** MLflow's status words: FINISHED, FAILED, KILLED, RUNNING, SCHEDULED */
  status: string;
  /** the primary metric's latest value, when the run reported one */
  value?: number;
  /** the tracking server's id of the run, when known */
  runId?: string;
}

/** Where the results of a rung come from (MLflow, journals): undefined = no trace of the run. */
export type OutcomeOf = (bracket: number, rung: number, runKey: string) => RunOutcome | undefined;

export interface Ranked { run: PlannedRun; value: number }
export interface Excluded { run: PlannedRun; reason: string }

export interface RungSelection {
  bracket: number;
  rung: number;
  runs: PlannedRun[];
  /** ⌊n/eta⌋: how many the rung may promote */
  quota: number;
  /** eligible runs, best first */
  ranked: Ranked[];
  promoted: PlannedRun[];
  excluded: Excluded[];
}

export class SweepStopped extends Error {
  constructor(message: string, readonly selection: RungSelection) {
    super(message);
    this.name = 'SweepStopped';
  }
}

function exclusion(o: RunOutcome | undefined, primary: string): string | undefined {
  if (!o) return 'no run found';
  if (o.status !== 'FINISHED') return `status ${o.status}`;
  if (o.value === undefined) return `no ${primary} reported`;
  if (!Number.isFinite(o.value)) return `${primary} is ${o.value}`;
  return undefined;
}

export function selectRung(
  runs: PlannedRun[],
  outcome: (runKey: string) => RunOutcome | undefined,
  opts: { eta: number; primary: string; goal: 'minimize' | 'maximize'; bracket: number; rung: number },
): RungSelection {
  const ranked: Ranked[] = [];
  const excluded: Excluded[] = [];
  for (const run of runs) {
    const o = outcome(run.key);
    const reason = exclusion(o, opts.primary);
    if (reason) excluded.push({ run, reason });
    else ranked.push({ run, value: o!.value! });
  }
  const sign = opts.goal === 'minimize' ? 1 : -1;
  ranked.sort((a, b) => sign * (a.value - b.value) || (a.run.key < b.run.key ? -1 : a.run.key > b.run.key ? 1 : 0));
  // after failures a rung may hold fewer than eta runs: its best still goes on
  const quota = Math.max(1, Math.floor(runs.length / opts.eta));
  return { bracket: opts.bracket, rung: opts.rung, runs, quota, ranked, excluded, promoted: ranked.slice(0, quota).map((r) => r.run) };
}

export interface Replay {
  /** the runs of rung `upTo` (what its child pipeline runs) */
  runs: PlannedRun[];
  /** one selection per earlier rung */
  selections: RungSelection[];
}

/**
 * Rung `upTo` of a bracket, rebuilt from the spec and the results of every rung before it: the
 * state of a sweep is its spec plus its results, nothing else is carried between jobs.
 * Throws SweepStopped when a rung has nothing to promote.
 */
export function replayBracket(spec: ExperimentSpec, plan: HalvingPlan, bracket: number, upTo: number, outcomeOf: OutcomeOf, primary: string, goal: 'minimize' | 'maximize'): Replay {
  const b = plan.brackets[bracket]!;
  let runs = rungRuns(spec, plan, bracket, 0, b.configs.map((_, i) => i));
  const selections: RungSelection[] = [];
  for (let rung = 0; rung < upTo; rung++) {
    const sel = selectRung(runs, (key) => outcomeOf(bracket, rung, key), { eta: plan.sweep.eta, primary, goal, bracket, rung });
    selections.push(sel);
    if (sel.promoted.length === 0) {
      const where = plan.brackets.length > 1 ? `bracket ${bracket}, rung ${rung}` : `rung ${rung}`;
      const why = sel.excluded.map((e) => `${e.run.index}:${e.run.key.slice(0, 8)} (${e.reason})`).join(', ');
      throw new SweepStopped(`${spec.name}: ${where} has no run to promote: none of its ${runs.length} run(s) finished with a ${primary}${why ? `: ${why}` : ''}`, sel);
    }
    runs = rungRuns(spec, plan, bracket, rung + 1, sel.promoted.map((r) => configIndexOf(plan, bracket, r)));
  }
  return { runs, selections };
}

/** The best run of the whole sweep among the last rungs' results (undefined: none finished). */
export function bestOf(selections: RungSelection[], goal: 'minimize' | 'maximize'): Ranked | undefined {
  const sign = goal === 'minimize' ? 1 : -1;
  let best: Ranked | undefined;
  for (const s of selections) {
    const top = s.ranked[0];
    if (top && (!best || sign * (top.value - best.value) < 0 || (top.value === best.value && top.run.key < best.run.key))) best = top;
  }
  return best;
}
