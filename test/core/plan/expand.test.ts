import { describe, expect, it } from 'vitest';
import { expandGrid, expandSweep, mulberry32, planExperiments, runKey, canonicalJson, KEY_LENGTH, sweepSize } from '../../../src/core/plan/index.js';
import type { LoadedSpec, ExperimentSpec } from '../../../src/core/spec/types.js';
import { check, spec } from '../spec/helpers.js';

function loaded(spec: ExperimentSpec): LoadedSpec {
  return { file: `experiments/${spec.name}.yaml`, source: '', hash: 'h', spec };
}
const base = { environment: 'python', command: ['python3', 'train.py'] };

describe('grid expansion', () => {
  it('is the cartesian product with axes in written order and the last axis fastest', () => {
    expect(expandGrid({ a: [1, 2], b: ['x', 'y', 'z'] })).toEqual([
      { a: 1, b: 'x' }, { a: 1, b: 'y' }, { a: 1, b: 'z' },
      { a: 2, b: 'x' }, { a: 2, b: 'y' }, { a: 2, b: 'z' },
    ]);
    expect(expandGrid({ b: ['x', 'y'], a: [1, 2] }).map((p) => `${p.b}${p.a}`)).toEqual(['x1', 'x2', 'y1', 'y2']);
    expect(sweepSize({ grid: { a: [1, 2], b: [1, 2, 3], c: [true] } })).toBe(6);
  });

  it('follows the order written in the YAML file', () => {
    const { specs } = check({ 'a.yaml': spec('a', 'sweep:\n  grid:\n    zeta: [1, 2]\n    alpha: [true, false]\n') });
    const plan = planExperiments(specs);
    expect(plan.experiments[0]!.runs.map((r) => [r.params.zeta, r.params.alpha])).toEqual([[1, true], [1, false], [2, true], [2, false]]);
  });

  it('keeps floats exactly as written (no toFixed rounding)', () => {
    const { specs } = check({ 'a.yaml': spec('a', 'sweep:\n  grid:\n    lr: [0.1, 1e-7, 0.30000000000000004, 123456789.123]\n') });
    expect(planExperiments(specs).experiments[0]!.runs.map((r) => r.params.lr)).toEqual([0.1, 1e-7, 0.30000000000000004, 123456789.123]);
  });
});

describe('list expansion and fixed params', () => {
  it('keeps cases in order and merges fixed params under sweep values', () => {
    const plan = planExperiments([loaded({ ...base, name: 'l', params: { lr: 0.1, bs: 32 }, sweep: { list: [{ lr: 0.5 }, { bs: 64, extra: 'x' }] } })]);
    expect(plan.experiments[0]!.runs.map((r) => r.params)).toEqual([
      { lr: 0.5, bs: 32 },
      { lr: 0.1, bs: 64, extra: 'x' },
    ]);
    expect(plan.experiments[0]!.runs.map((r) => r.index)).toEqual([0, 1]);
  });

  it('an experiment without a sweep is one run of its fixed params', () => {
    const plan = planExperiments([loaded({ ...base, name: 'one', params: { a: 1 } })]);
    expect(plan.experiments[0]!.runs).toEqual([{ experiment: 'one', index: 0, key: runKey('one', { a: 1 }), params: { a: 1 } }]);
    expect(plan.experiments[0]!.maxParallel).toBeUndefined();
  });

  it('carries max_parallel, the spec file and hash', () => {
    const plan = planExperiments([loaded({ ...base, name: 'm', sweep: { grid: { a: [1, 2, 3] }, max_parallel: 2 } })]);
    expect(plan.experiments[0]).toMatchObject({ maxParallel: 2, specFile: 'experiments/m.yaml', specHash: 'h' });
  });
});

describe('random expansion', () => {
  const space = {
    lr: { loguniform: [1e-5, 1e-1] as [number, number] },
    dropout: { uniform: [0, 0.5] as [number, number] },
    layers: { int: [1, 4] as [number, number] },
    act: { choice: ['relu', 'gelu', 'tanh'] },
  };
  const draw = (seed: number, samples = 50) => expandSweep({ random: { samples, seed, space } });

  it('mulberry32 produces the reference stream (same on every machine)', () => {
    // reference values from an independent Python implementation of mulberry32
    const next = mulberry32(42);
    expect([next(), next(), next(), next(), next()]).toEqual([2581720956, 1925393290, 3661312704, 2876485805, 750819978]);
    const zero = mulberry32(0);
    expect([zero(), zero(), zero()]).toEqual([1144304738, 1416247, 958946056]);
  });

  it('the same seed gives the same samples; another seed gives others', () => {
    expect(draw(7)).toEqual(draw(7));
    expect(draw(8)).not.toEqual(draw(7));
    // a prefix: asking for fewer samples gives the first ones of the longer draw
    expect(draw(7, 10)).toEqual(draw(7, 50).slice(0, 10));
  });

  it('stays within bounds (inclusive ints reach both ends) and rounds floats to 6 significant digits', () => {
    const samples = draw(123, 400);
    expect(samples).toHaveLength(400);
    for (const s of samples) {
      expect(s.lr as number).toBeGreaterThanOrEqual(1e-5);
      expect(s.lr as number).toBeLessThanOrEqual(1e-1);
      expect(s.dropout as number).toBeGreaterThanOrEqual(0);
      expect(s.dropout as number).toBeLessThanOrEqual(0.5);
      expect(Number.isInteger(s.layers)).toBe(true);
      expect(['relu', 'gelu', 'tanh']).toContain(s.act);
      expect(Number((s.lr as number).toPrecision(6))).toBe(s.lr);
    }
    expect(new Set(samples.map((s) => s.layers))).toEqual(new Set([1, 2, 3, 4]));
    expect(new Set(samples.map((s) => s.act)).size).toBe(3);
    // loguniform spreads over the decades, not bunched near the top
    const decades = new Set(samples.map((s) => Math.floor(Math.log10(s.lr as number))));
    expect(decades).toEqual(new Set([-5, -4, -3, -2]));
  });

  it('redraws duplicates so every sample is distinct, and fails when the space is too small', () => {
    const small = expandSweep({ random: { samples: 6, seed: 1, space: { a: { choice: [1, 2, 3] }, b: { int: [0, 1] } } } });
    expect(new Set(small.map((s) => canonicalJson(s))).size).toBe(6);
    expect(() => expandSweep({ random: { samples: 7, seed: 1, space: { a: { choice: [1, 2, 3] }, b: { int: [0, 1] } } } })).toThrow(/only 6 distinct points/);
  });
});

describe('run keys', () => {
  it('are 16 hex chars of sha256 over canonical JSON, independent of key order', () => {
    const k = runKey('exp', { a: 1, b: 'x' });
    expect(k).toMatch(new RegExp(`^[0-9a-f]{${KEY_LENGTH}}$`));
    expect(KEY_LENGTH).toBe(16);
    expect(runKey('exp', { b: 'x', a: 1 })).toBe(k);
    expect(runKey('exp', { a: 1, b: 'x' })).toBe(k);
    expect(canonicalJson({ experiment: 'e', params: { b: 1, a: [{ d: 1, c: 2 }] } })).toBe('{"experiment":"e","params":{"a":[{"c":2,"d":1}],"b":1}}');
  });

  it('change with the experiment name, any value, and the value type', () => {
    const k = runKey('exp', { a: 1 });
    expect(runKey('exp2', { a: 1 })).not.toBe(k);
    expect(runKey('exp', { a: 2 })).not.toBe(k);
    expect(runKey('exp', { a: '1' })).not.toBe(k);
    expect(runKey('exp', { a: 1, b: true })).not.toBe(k);
  });

  it('match a sha256 computed independently', async () => {
    const { createHash } = await import('node:crypto');
    const expected = createHash('sha256').update('{"experiment":"toy","params":{"epochs":40,"lr":0.01}}').digest('hex').slice(0, 16);
    expect(runKey('toy', { lr: 0.01, epochs: 40 })).toBe(expected);
  });

  it('are unique within a plan and stable across calls and YAML spellings', () => {
    const a = check({ 'a.yaml': spec('a', 'params: {seed: 7}\nsweep:\n  grid:\n    lr: [0.1, 0.01, 0.001]\n    bs: [16, 32]\n') });
    const b = check({ 'a.yaml': spec('a', 'sweep:\n  grid:\n    lr: [1e-1, 1.0e-2, 0.001]\n    bs: [16, 32]\nparams:\n  seed: 7.0\n') });
    const keysA = planExperiments(a.specs).experiments[0]!.runs.map((r) => r.key);
    const keysB = planExperiments(b.specs).experiments[0]!.runs.map((r) => r.key);
    expect(new Set(keysA).size).toBe(6);
    expect(keysB).toEqual(keysA);
    expect(planExperiments(a.specs).experiments[0]!.runs.map((r) => r.key)).toEqual(keysA);
  });

  it('random sweeps give the same keys on every call', () => {
    const s = loaded({ ...base, name: 'r', sweep: { random: { samples: 20, seed: 5, space: { lr: { loguniform: [1e-4, 1] }, n: { int: [1, 100] } } } } });
    const first = planExperiments([s]).experiments[0]!.runs.map((r) => r.key);
    expect(planExperiments([s]).experiments[0]!.runs.map((r) => r.key)).toEqual(first);
    expect(new Set(first).size).toBe(20);
  });
});
