// Rung arithmetic and promotion, pure: the numbers a user plans with and the decisions a select job makes.

import { describe, expect, it } from 'vitest';
import { budgetAt, levelCount, sweepShape } from '../../../src/core/halving/rungs.js';
import { planHalving, rungRuns } from '../../../src/core/halving/plan.js';
import { bestOf, replayBracket, selectRung, SweepStopped, type RunOutcome } from '../../../src/core/halving/select.js';
import type { ExperimentSpec, HalvingSweep } from '../../../src/core/spec/types.js';

const halving = (over: Partial<HalvingSweep> = {}): HalvingSweep => ({
  space: { lr: { loguniform: [1e-4, 1e-1] }, features: { choice: [2, 4, 8] } },
  samples: 27, seed: 7, budget: { param: 'epochs', min: 1, max: 27 }, eta: 3, ...over,
});
const specOf = (h: HalvingSweep): ExperimentSpec => ({ name: 'toy', environment: 'python', command: ['train', '{{ params.epochs }}'], params: { seed: 7 }, sweep: { halving: h } });

describe('rungs', () => {
  it('multiplies the budget by eta from min and ends at max', () => {
    const h = halving();
    expect(levelCount(1, 27, 3)).toBe(4);
    expect([0, 1, 2, 3].map((l) => budgetAt(h, l))).toEqual([1, 3, 9, 27]);
    // max not a power of eta away: the last rung runs at max instead of the last power
    const odd = halving({ budget: { param: 'epochs', min: 1, max: 40 } });
    expect(Array.from({ length: levelCount(1, 40, 3) }, (_, l) => budgetAt(odd, l))).toEqual([1, 3, 9, 40]);
    // fractional budgets do not pick up float noise (0.1 * 3 is 0.30000000000000004)
    const frac = halving({ budget: { param: 'fraction', min: 0.1, max: 0.9 } });
    expect([0, 1, 2].map((l) => budgetAt(frac, l))).toEqual([0.1, 0.3, 0.9]);
    expect(levelCount(1e-4, 1, 10)).toBe(5);
  });

  it('keeps ⌊n/eta⌋ per rung and costs a fraction of every configuration at max', () => {
    const plan = planHalving(halving());
    expect(plan.brackets).toHaveLength(1);
    expect(plan.brackets[0]!.rungs.map((r) => [r.configs, r.budget])).toEqual([[27, 1], [9, 3], [3, 9], [1, 27]]);
    expect(plan.totals).toEqual({ total: 27 + 27 + 27 + 27, full: 27 * 27, runs: 40 });
  });

  it('gives Hyperband brackets the sizes of Li et al. (R=81, eta=3, Table 1)', () => {
    const shape = sweepShape(halving({ samples: 81, budget: { param: 'epochs', min: 1, max: 81 }, brackets: 5 }), 81);
    expect(shape.map((b) => b.rungs.map((r) => r.configs))).toEqual([[81, 27, 9, 3, 1], [34, 11, 3, 1], [15, 5, 1], [8, 2], [5]]);
    expect(shape.map((b) => b.rungs[0]!.budget)).toEqual([1, 3, 9, 27, 81]);
  });

  it('draws distinct, reproducible configurations and gives each (configuration, budget) its own run key', () => {
    const h = halving({ brackets: 2 });
    const a = planHalving(h);
    expect(planHalving(h)).toEqual(a);
    const spec = specOf(h);
    const r0 = rungRuns(spec, a, 0, 0, [0, 1]);
    const r1 = rungRuns(spec, a, 0, 1, [0, 1]);
    expect(r1.map((r) => r.index)).toEqual(r0.map((r) => r.index));
    expect(r1.map((r) => r.params.epochs)).toEqual([3, 3]);
    expect(new Set([...r0, ...r1].map((r) => r.key)).size).toBe(4);
    // bracket 1 starts at the next budget with its own draw
    expect(a.brackets[1]!.rungs[0]!.budget).toBe(3);
    expect(a.brackets[1]!.firstIndex).toBe(a.brackets[0]!.configs.length);
  });
});

describe('selection', () => {
  const h = halving({ samples: 9, budget: { param: 'epochs', min: 3, max: 27 } });
  const spec = specOf(h);
  const plan = planHalving(h);
  const runs = rungRuns(spec, plan, 0, 0, plan.brackets[0]!.configs.map((_, i) => i));
  const opts = { eta: 3, primary: 'val_loss', goal: 'minimize' as const, bracket: 0, rung: 0 };

  it('promotes the best ⌊n/eta⌋, breaks ties by run key, and never promotes failed or metric-less runs', () => {
    const outcomes = new Map<string, RunOutcome>();
    runs.forEach((r, i) => outcomes.set(r.key, { status: 'FINISHED', value: [0.5, 0.2, 0.2, 0.9, 0.1, 0.7, 0.3, 0.8, 0.6][i] }));
    outcomes.set(runs[4]!.key, { status: 'FAILED', value: 0.01 }); // best number, but failed
    outcomes.set(runs[6]!.key, { status: 'FINISHED' }); // no metric
    outcomes.delete(runs[8]!.key); // never reported
    const sel = selectRung(runs, (k) => outcomes.get(k), opts);
    const tied = [runs[1]!, runs[2]!].sort((a, b) => (a.key < b.key ? -1 : 1));
    expect(sel.promoted.map((r) => r.index)).toEqual([tied[0]!.index, tied[1]!.index, runs[0]!.index]);
    expect(sel.excluded.map((e) => [e.run.index, e.reason])).toEqual([[runs[4]!.index, 'status FAILED'], [runs[6]!.index, 'no val_loss reported'], [runs[8]!.index, 'no run found']]);
    // the order results arrive in does not matter
    const shuffled = new Map([...outcomes].reverse());
    expect(selectRung([...runs].reverse(), (k) => shuffled.get(k), opts).promoted).toEqual(sel.promoted);
    // maximize flips the ranking
    expect(selectRung(runs, (k) => outcomes.get(k), { ...opts, goal: 'maximize' }).promoted[0]!.index).toBe(runs[3]!.index);
  });

  it('replays a bracket from its results and stops with the reasons when a rung has nothing to promote', () => {
    const value = new Map(runs.map((r, i) => [r.key, i / 10]));
    const outcomeOf = (_b: number, rung: number, key: string): RunOutcome | undefined =>
      rung === 0 ? { status: 'FINISHED', value: value.get(key)! } : { status: 'FAILED' };
    const r1 = replayBracket(spec, plan, 0, 1, outcomeOf, 'val_loss', 'minimize');
    expect(r1.runs.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(r1.runs.every((r) => r.params.epochs === 9)).toBe(true);
    let err: unknown;
    try { replayBracket(spec, plan, 0, 2, outcomeOf, 'val_loss', 'minimize'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(SweepStopped);
    expect((err as Error).message).toMatch(/rung 1 has no run to promote: none of its 3 run\(s\) finished with a val_loss: 0:\w{8} \(status FAILED\), 1:/);
    expect(bestOf(r1.selections, 'minimize')!.run.index).toBe(0);
  });

  it('replays a later Hyperband bracket on its own configurations and budgets', () => {
    const hb = halving({ samples: 27, brackets: 3 });
    const hplan = planHalving(hb);
    const hspec = specOf(hb);
    const b = hplan.brackets[1]!;
    const values = new Map<string, number>();
    const outcomeOf = (bracket: number, rung: number, key: string): RunOutcome | undefined => {
      expect(bracket).toBe(1);
      if (!values.has(key)) values.set(key, values.size);
      return { status: 'FINISHED', value: rung === 0 ? values.get(key)! : -values.get(key)! };
    };
    const r = replayBracket(hspec, hplan, 1, 2, outcomeOf, 'val_loss', 'minimize');
    expect(b.rungs.map((x) => [x.configs, x.budget])).toEqual([[12, 3], [4, 9], [1, 27]]);
    const first = r.selections[0]!.runs;
    expect(first.map((x) => x.index)).toEqual(b.configs.map((_, i) => b.firstIndex + i));
    // rung 0 promotes its first 4 (lowest values); rung 1 then prefers the highest of those
    expect(r.selections[0]!.promoted.map((x) => x.index)).toEqual(first.slice(0, 4).map((x) => x.index));
    expect(r.runs.map((x) => [x.index, x.params.epochs])).toEqual([[r.selections[1]!.ranked[0]!.run.index, 27]]);
  });
});
