// The plan's fast paths (direct grid resolution, flat-params run keys, the cached params JSON the
// case table reuses) must give exactly what the plain definitions give.
import { describe, expect, it } from 'vitest';
import { canonicalJson, expandGrid, KEY_LENGTH, resolveParams, resolvedGrid, runKey, runKeyer } from '../../../src/core/plan/index.js';
import { canonicalParamsJson, runPrelude } from '../../../src/core/pipeline/prelude.js';
import { createHash } from 'node:crypto';
import type { Scalar } from '../../../src/core/spec/types.js';

const slowKey = (experiment: string, params: Record<string, unknown>): string =>
  createHash('sha256').update(canonicalJson({ experiment, params })).digest('hex').slice(0, KEY_LENGTH);

describe('resolvedGrid', () => {
  const cases: Array<[Record<string, Scalar> | undefined, Record<string, Scalar[]>]> = [
    [undefined, { a: [1, 2], b: ['x', 'y', 'z'] }],
    [{ tag: "it's", epochs: 10 }, { lr: [0.1, 0.01], wd: [1e-4, 1e-5, 0] }],
    // an axis overriding a fixed param keeps the fixed param's position
    [{ z: 1, lr: 0.5, a: true }, { lr: [1, 2], b: ['q'] }],
    // integer-like keys enumerate first, as with spreads
    [{ 10: 'ten', x: 'x' }, { 2: [1, 2], y: [false, true] }],
    [{ k: 1 }, {}],
    [{ k: 1 }, { a: [1, 2], b: [] }],
    [{ __proto__: 1 } as unknown as Record<string, Scalar>, { a: [1] }],
    [{ ['__proto__']: 7 } as Record<string, Scalar>, { a: [1, 2] }],
  ];
  it.each(cases.map((c, i) => [i, ...c] as const))('case %i equals expandGrid + resolveParams, key order included', (_, fixed, grid) => {
    const want = expandGrid(grid).map((p) => resolveParams(fixed, p));
    const got = resolvedGrid(fixed, grid);
    expect(got).toEqual(want);
    expect(got.map((p) => JSON.stringify(Object.entries(p)))).toEqual(want.map((p) => JSON.stringify(Object.entries(p))));
    expect(got.map((p) => Object.getPrototypeOf(p))).toEqual(want.map((p) => Object.getPrototypeOf(p)));
  });
});

describe('run keys', () => {
  const params: Array<Record<string, unknown>> = [
    { lr: 0.001, wd: 1e-21, tag: 'run 1: it\'s "quoted"', n: -0, big: 2 ** 53 - 1, on: true, none: null },
    { 'ä-ü': 'non-ASCII ✓', '1': 1, b: 'x\ny', a: undefined },
    { nested: { b: 2, a: [1, { d: 1, c: 2 }] }, x: 1 },
    {},
  ];
  it('are sha256 of the canonical JSON, whatever the path taken', () => {
    for (const p of params) {
      expect(runKey('exp', p as Record<string, Scalar>)).toBe(slowKey('exp', p));
      const keyer = runKeyer('exp');
      expect(keyer(p as Record<string, Scalar>)).toBe(slowKey('exp', p));
      expect(keyer(p as Record<string, Scalar>)).toBe(slowKey('exp', p)); // memoised JSON: same again
    }
  });
  it('still refuse non-finite numbers', () => {
    expect(() => runKey('e', { x: Infinity })).toThrow(/non-finite/);
    expect(() => runKey('e', { a: { b: 1 }, x: NaN })).toThrow(/non-finite/);
  });
  it('hash the params JSON the case table writes to $DAP_PARAMS_FILE', () => {
    const runs = [{ wd: 0.5, tag: "it's", lr: 1 }, { tag: 'x', lr: 2 }, { wd: 0.5, lr: 1e-21, on: false }].map((params, index) => ({ experiment: 'e', index, key: runKey('e', params), params }));
    const table = runPrelude('e', runs, {});
    for (const run of runs) {
      const json = canonicalParamsJson(run.params);
      expect(slowKey('e', run.params)).toBe(run.key);
      expect(canonicalJson(run.params)).toBe(json);
      expect(table).toContain(`printf '%s' '${json.replace(/'/g, "'\\''")}' > "$DAP_PARAMS_FILE"`);
    }
  });
});
