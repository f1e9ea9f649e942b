import type { Scalar, Sweep } from '../spec/types.js';
import { sampleSpace } from './random.js';
import { planHalving } from '../halving/plan.js';

// Sweep → the varying part of each run's params, in a deterministic order.

/** How many runs a sweep expands to, without expanding it (no sweep: one run). */
export function sweepSize(sweep: Sweep | undefined): number {
  if (!sweep) return 1;
  if ('grid' in sweep) return Object.values(sweep.grid).reduce((n, values) => n * values.length, 1);
  if ('list' in sweep) return sweep.list.length;
  if ('halving' in sweep) return planHalving(sweep.halving).totals.runs;
  return sweep.random.samples;
}

/** Cartesian product; axes in the order written, the last axis varies fastest. */
export function expandGrid(grid: Record<string, Scalar[]>): Record<string, Scalar>[] {
  let points: Record<string, Scalar>[] = [{}];
  for (const [axis, values] of Object.entries(grid)) {
    const next: Record<string, Scalar>[] = [];
    for (const point of points) for (const v of values) next.push({ ...point, [axis]: v });
    points = next;
  }
  return points;
}

/** Sweep points; throws when a random space cannot yield enough distinct points (validation reports it first). */
export function expandSweep(sweep: Sweep | undefined): Record<string, Scalar>[] {
  if (!sweep) return [{}];
  if ('grid' in sweep) return expandGrid(sweep.grid);
  if ('list' in sweep) return sweep.list.map((c) => ({ ...c }));
  if ('halving' in sweep) throw new Error('a halving sweep is expanded rung by rung (planHalving), not all at once');
  const { samples, seed, space } = sweep.random;
  const drawn = sampleSpace(samples, seed, space);
  if (drawn.exhausted) {
    throw new Error(`random space holds only ${drawn.exhausted.found} distinct points, fewer than samples=${samples}`);
  }
  return drawn.samples;
}
