import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { generateOp } from '../../src/ops/generate.js';
import { repoRoot } from '../support/repo.js';


// The dap repo is its own example project: the committed pipeline must be what dap generates,
// or `make demo` (and dap_check in CI) would fail on a fresh clone.
describe('this repository', () => {
  it('commits a fresh .gitlab-ci.yml for experiments/', async () => {
    const res = await generateOp({ root: repoRoot, check: true });
    expect(res.files.map((f) => [f.path, f.status])).toEqual([['.gitlab-ci.yml', 'fresh']]);
    expect(res.ok).toBe(true);
  });
});
