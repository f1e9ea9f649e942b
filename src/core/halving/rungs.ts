// Successive-halving arithmetic: how many rungs, what budget each rung gets, how many
// configurations each rung keeps, and (Hyperband) how the brackets share the work. Pure numbers.

import type { HalvingSweep } from '../spec/types.js';

export interface RungShape {
  /** 0-based rung inside its bracket */
  rung: number;
  /** value of the budget param every run of this rung gets */
  budget: number;
  /** configurations this rung runs */
  configs: number;
}

export interface BracketShape {
  bracket: number;
  rungs: RungShape[];
}

/** Floating error of repeated multiplication must not drop a rung (1e-4 * 10^4 is 0.9999999999999999). */
const EPS = 1e-9;

/** Rungs of the first bracket: min, min·eta, min·eta², … while it stays ≤ max (the last of them runs at max). */
export function levelCount(min: number, max: number, eta: number): number {
  if (!(min > 0) || !(max > min) || !(eta >= 2)) return 1;
  let levels = 1;
  for (let b = min * eta; b <= max * (1 + EPS); b *= eta) levels++;
  return levels;
}

/** The budget of level `level` (0 = min); the last level is always max. */
export function budgetAt(h: Pick<HalvingSweep, 'budget' | 'eta'>, level: number): number {
  const { min, max } = h.budget;
  const last = levelCount(min, max, h.eta) - 1;
  if (level >= last) return max;
  const raw = min * h.eta ** level;
  // integer budgets (epochs, steps) stay integers; others keep 12 significant digits
  return Number.isInteger(min) && Number.isInteger(max) ? Math.round(raw) : Number(raw.toPrecision(12));
}

/** Configurations each rung keeps: ⌊n/eta⌋ of the rung before. */
export function rungSizes(first: number, rungs: number, eta: number): number[] {
  const out = [first];
  for (let r = 1; r < rungs; r++) out.push(Math.floor(out[r - 1]! / eta));
  return out;
}

/**
 * Configurations the first rung of bracket `i` draws. Bracket 0 is the spec's (samples, or the
 * grid/list size); bracket i has s = levels-1-i halvings left and gets Hyperband's share,
 * ⌈n0 · (S+1) / ((s+1) · eta^i)⌉, so every bracket spends about the same budget.
 */
export function bracketConfigs(n0: number, levels: number, eta: number, i: number): number {
  if (i === 0) return n0;
  const s = levels - 1 - i;
  return Math.ceil((n0 * levels) / ((s + 1) * eta ** i) - EPS);
}

/** The shape of the whole sweep: per bracket its rungs, each with budget and configuration count. */
export function sweepShape(h: HalvingSweep, firstRungConfigs: number): BracketShape[] {
  const levels = levelCount(h.budget.min, h.budget.max, h.eta);
  const brackets = Math.max(1, Math.min(h.brackets ?? 1, levels));
  const out: BracketShape[] = [];
  for (let i = 0; i < brackets; i++) {
    const rungCount = levels - i;
    const sizes = rungSizes(bracketConfigs(firstRungConfigs, levels, h.eta, i), rungCount, h.eta);
    out.push({ bracket: i, rungs: sizes.map((configs, rung) => ({ rung, budget: budgetAt(h, i + rung), configs })) });
  }
  return out;
}

export interface BudgetTotals {
  /** sum of the budget param over every run of the sweep */
  total: number;
  /** the same first-rung configurations, each run once at max */
  full: number;
  runs: number;
}

export function budgetTotals(shape: readonly BracketShape[], max: number): BudgetTotals {
  let total = 0;
  let full = 0;
  let runs = 0;
  for (const b of shape) {
    for (const r of b.rungs) {
      total += r.configs * r.budget;
      runs += r.configs;
    }
    full += (b.rungs[0]?.configs ?? 0) * max;
  }
  return { total: Number(total.toPrecision(12)), full: Number(full.toPrecision(12)), runs };
}
