import type { ReportRun } from '../../src/core/report/types.js';

/** A run whose loss falls from `start` by `rate` per step (deterministic, no randomness). */
export function fakeRun(name: string, params: Record<string, string>, start: number, rate: number, over: Partial<ReportRun> = {}): ReportRun {
  const steps = 5;
  const curve = (s: number): [number, number] => [s, Number((start * Math.exp(-rate * s)).toFixed(6))];
  return {
    id: `id-${name}`, name, status: 'FINISHED', startTime: 1_700_000_000_000, params, runKey: `key-${JSON.stringify(params)}`,
    metrics: { val_loss: Array.from({ length: steps }, (_, s) => curve(s)), r2: Array.from({ length: steps }, (_, s): [number, number] => [s, Number((1 - curve(s)[1]).toFixed(6))]) },
    mlflowUrl: `http://127.0.0.1:5000/#/experiments/1/runs/id-${name}`, jobUrl: `https://gitlab.example.com/g/p/-/jobs/${name.length}`,
    pipelineId: '7', ...over,
  };
}
