import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, requireEngine } from './helpers.js';

// The dap CLI image of the pipeline's generate/check/sync jobs, built from `npm pack` of this
// checkout by infrastructure/images/dap/build.sh, runs dap on Node >= 20 and has git.

const tag = 'daptest/dap:test';

beforeAll(async () => { await requireEngine(); });

describe('infrastructure/images/dap', () => {
  it('builds from npm pack and runs dap, node 20 and git', () => {
    const out = execFileSync('bash', [path.join(repoRoot, 'infrastructure/images/dap/build.sh'), '--no-tsc', '--tag', tag], { encoding: 'utf8', cwd: repoRoot });
    expect(out).toContain(`built ${tag}`);
    const pkg = JSON.parse(execFileSync('cat', [path.join(repoRoot, 'package.json')], { encoding: 'utf8' })) as { version: string };
    const run = execFileSync('docker', ['run', '--rm', tag, 'sh', '-c', 'dap --version; node --version; git --version; dap validate --help >/dev/null && echo help-ok'], { encoding: 'utf8' });
    const [dapVersion, nodeVersion, git, help] = run.trim().split('\n');
    expect(dapVersion).toBe(pkg.version);
    expect(Number(nodeVersion!.replace(/^v/, '').split('.')[0])).toBeGreaterThanOrEqual(20);
    expect(git).toMatch(/^git version /);
    expect(help).toBe('help-ok');
  }, 900_000);
});
