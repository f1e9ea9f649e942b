// Pure helpers: artifact URI → proxy path, path encoding, key rules, body planning edge cases.

import { describe, expect, it } from 'vitest';
import { encodePath, endpoint, redactUrl } from '../../../src/adapters/http/index.js';
import { keyProblem, planLogBatch, proxyPathOf } from '../../../src/adapters/mlflow/index.js';

describe('proxyPathOf', () => {
  it.each([
    ['mlflow-artifacts:/1/abc/artifacts', '1/abc/artifacts'],
    ['mlflow-artifacts:/1/abc/artifacts/', '1/abc/artifacts'],
    ['mlflow-artifacts://127.0.0.1:55000/1/abc/artifacts', '1/abc/artifacts'],
    ['http://h:5000/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts', '1/abc/artifacts'],
  ])('%s → %s', (uri, want) => expect(proxyPathOf(uri)).toBe(want));

  it('explains a non-proxied artifact root', () => {
    let err: { message?: string; hint?: string } = {};
    try { proxyPathOf('s3://bucket/1/abc/artifacts'); } catch (e) { err = e as typeof err; }
    expect(err.message).toMatch(/s3:\/\/bucket\/1\/abc\/artifacts is not served by the MLflow artifact proxy/);
    expect(err.hint).toMatch(/--serve-artifacts/);
  });
});

describe('encoding', () => {
  it('encodes interpolated segments only, and paths segment by segment', () => {
    expect(endpoint`runs/${'a/b c'}/x`).toBe('runs/a%2Fb%20c/x');
    expect(encodePath('out/a b/#1.txt')).toBe('out/a%20b/%231.txt');
  });
});

describe('keyProblem', () => {
  it('accepts MLflow-valid keys and explains invalid ones', () => {
    for (const k of ['loss', 'val/loss', 'a b', 'x.y-z_1', 'ts:1']) expect(keyProblem(k)).toBeUndefined();
    expect(keyProblem('a/')).toMatch(/resolves to "a"/);
    expect(keyProblem('x\ny')).toMatch(/only contain/);
    expect(keyProblem(5)).toMatch(/strings/);
  });
});

describe('planLogBatch', () => {
  it('sends nothing for an empty batch and one body for a small one', () => {
    expect(planLogBatch('r', {})).toEqual([]);
    expect(planLogBatch('r', { params: { a: '1' } })).toEqual(['{"run_id":"r","metrics":[],"params":[{"key":"a","value":"1"}],"tags":[]}']);
  });

  it('encodes NaN as MLflow\'s JSON string and ±Infinity as the ±max double the server stores; step defaults to 0', () => {
    const values = [NaN, Infinity, -Infinity, 'NaN', 'Infinity', '-Infinity'] as const;
    const [body] = planLogBatch('r', { metrics: values.map((value) => ({ key: 'm', value, timestamp: 1 })) });
    const max = Number.MAX_VALUE;
    expect(JSON.parse(body!).metrics.map((m: { value: unknown; step: number }) => [m.value, m.step])).toEqual([['NaN', 0], [max, 0], [-max, 0], ['NaN', 0], [max, 0], [-max, 0]]);
  });

  it('respects the total of 1000 items when params and tags share a body with metrics', () => {
    const bodies = planLogBatch('r', {
      params: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`p${i}`, 'v'])),
      tags: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`t${i}`, 'v'])),
      metrics: Array.from({ length: 1000 }, (_, i) => ({ key: 'm', value: i, timestamp: i, step: i })),
    });
    const sizes = bodies.map((b) => JSON.parse(b) as { metrics: unknown[]; params: unknown[]; tags: unknown[] });
    expect(sizes.map((s) => [s.params.length, s.tags.length, s.metrics.length])).toEqual([[100, 100, 800], [0, 0, 200]]);
  });
});

describe('redactUrl', () => {
  it('removes user:password@ and keeps the rest as written (the shipper keys its cursors by it)', () => {
    expect(redactUrl('http://u:s3cret@127.0.0.1:55000')).toBe('http://127.0.0.1:55000');
    expect(redactUrl('http://127.0.0.1:55000/mlflow')).toBe('http://127.0.0.1:55000/mlflow');
    expect(redactUrl('file:///tmp/mlruns')).toBe('file:///tmp/mlruns');
  });

  it('removes a password with a raw "@" whole, as a URL parser splits it', () => {
    const shown = redactUrl('http://u:p@ss@h:5000/x?a=b@c');
    expect(shown).toBe('http://h:5000/x?a=b@c');
    expect(shown).not.toMatch(/ss@/);
    expect(redactUrl(new URL('http://u:pw@h:5000/api'))).toBe('http://h:5000/api');
  });
});
