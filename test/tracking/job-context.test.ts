import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jobContext } from '../../src/tracking/job-context.js';
import { loadSpecs } from '../../src/ops/load-specs.js';

// A job without the spec's DAP_* variables finds its spec itself: the lineage (file, hash),
// artifacts, metric files and ranking must be what the spec loader reads from the same file.

const made: string[] = [];
afterAll(() => { for (const d of made) fs.rmSync(d, { recursive: true, force: true }); });

const repoSpec = path.resolve(import.meta.dirname, '../../experiments/toy-regression.yaml');

function project(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-t7b-jobctx-'));
  made.push(dir);
  fs.mkdirSync(path.join(dir, 'experiments'));
  fs.copyFileSync(repoSpec, path.join(dir, 'experiments/toy-regression.yaml'));
  // a broken neighbour is not this job's problem
  fs.writeFileSync(path.join(dir, 'experiments/aaa-broken.yaml'), 'name: [unclosed\n');
  return dir;
}

describe('jobContext reads its spec the way the loader does', () => {
  it('lineage hash, artifacts, metric files and ranking from the spec file', async () => {
    const dir = project();
    const [loaded] = await loadSpecs(dir, [path.join(dir, 'experiments/toy-regression.yaml')], { environments: ['python'] });
    const ctx = jobContext({ DAP_EXPERIMENT: loaded!.spec.name }, {}, dir, ['python3', 'train.py']);
    expect(ctx.tags['dap.spec_file']).toBe('experiments/toy-regression.yaml');
    expect(ctx.tags['dap.spec_hash']).toBe(loaded!.hash);
    expect(ctx.artifacts).toEqual(loaded!.spec.artifacts?.paths ?? []);
    expect(ctx.metricFiles).toEqual(loaded!.spec.metrics?.files ?? []);
    expect({ primary: ctx.primary, goal: ctx.goal }).toEqual({ primary: loaded!.spec.metrics?.primary, goal: loaded!.spec.metrics?.goal });
  });

  it('no spec of that name: no lineage from a spec, and no error', () => {
    const ctx = jobContext({ DAP_EXPERIMENT: 'nope' }, {}, project(), ['x']);
    expect(ctx.tags['dap.spec_file']).toBeUndefined();
    expect(ctx.tags['dap.spec_hash']).toBeUndefined();
    expect(ctx.primary).toBeUndefined();
  });
});
