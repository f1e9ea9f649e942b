import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'smol-toml';
import { startFakeGitlab } from '../../fakes/gitlab-server.js';
import type { FakeGitlab } from '../../fakes/gitlab-server.js';

// The gitlab-runner test double behaves like the real binary on the calls dap and the tests rely
// on (the real one cannot be built here): checked against the fake GitLab.

const DOUBLE = path.join(import.meta.dirname, 'double/gitlab-runner-double.mjs');
const run = promisify(execFile);
let gitlab: FakeGitlab;
let dir: string;
const runner = (args: string[]) => run(process.execPath, [DOUBLE, ...args]).then((r) => ({ code: 0, ...r }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));

beforeAll(async () => {
  gitlab = await startFakeGitlab({ projects: [], tokens: [], users: [] });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dap-runner-double-'));
});
afterAll(async () => {
  await gitlab.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('gitlab-runner test double', () => {
  it('register with a glrt- token sends only POST /runners/verify with a system_id and writes [[runners]]', async () => {
    const created = gitlab.runners.inject({ description: 'by hand' });
    const config = path.join(dir, 'config.toml');
    await fs.writeFile(config, 'concurrent = 4\n');
    const before = gitlab.requests.length;
    const r = await runner(['register', '--non-interactive', '--url', gitlab.url, '--token', created.token, '--executor', 'shell', '--config', config, '--name', 'r1']);
    expect(r.code, r.stderr).toBe(0);
    expect(gitlab.requests.slice(before).map((q) => `${q.method} ${q.path}`)).toEqual(['POST /api/v4/runners/verify']);
    const systemId = (await fs.readFile(path.join(dir, '.runner_system_id'), 'utf8')).trim();
    expect(systemId).toMatch(/^s_[0-9a-f]{12}$/);
    expect(created.system_ids).toEqual([systemId]);
    const cfg = parse(await fs.readFile(config, 'utf8')) as { concurrent: number; runners: Array<Record<string, unknown>> };
    expect(cfg.concurrent).toBe(4);
    expect(cfg.runners[0]).toMatchObject({ name: 'r1', url: gitlab.url, id: created.id, token: created.token, executor: 'shell' });
    expect(cfg.runners[0]!.token_obtained_at).toBeInstanceOf(Date);
  });

  it('fails on a token GitLab does not know (403) and on a config that is not TOML', async () => {
    const bad = await runner(['register', '--non-interactive', '--url', gitlab.url, '--token', 'glrt-unknown', '--executor', 'shell', '--config', path.join(dir, 'other.toml')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/is not valid \(403\)/);
    const broken = path.join(dir, 'broken.toml');
    await fs.writeFile(broken, '[[runners]\n');
    const r = await runner(['verify', '--config', broken]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Failed to load config/);
  });

  it('unregister deletes the runner by its token; --version answers like the real one', async () => {
    const config = path.join(dir, 'config.toml');
    const r = await runner(['unregister', '--config', config, '--name', 'r1']);
    expect(r.code, r.stderr).toBe(0);
    expect(gitlab.requests.at(-1)).toMatchObject({ method: 'DELETE', path: '/api/v4/runners' });
    expect(gitlab.runners.runners.some((x) => x.description === 'by hand')).toBe(false);
    expect((parse(await fs.readFile(config, 'utf8')) as { runners: unknown[] }).runners).toEqual([]);
    expect((await runner(['--version'])).stdout).toMatch(/^Version: +17\.5\.0$/m);
  });
});
