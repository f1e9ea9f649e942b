import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitlabRunners } from '../../../src/adapters/gitlab/runners.js';
import type { RunnerHost } from '../../../src/core/runners/inventory.js';
import { startFakeGitlab } from '../../fakes/gitlab-server.js';
import type { FakeGitlab } from '../../fakes/gitlab-server.js';

// dap's GitLab runner calls through the real @gitbeaker/rest against the fake GitLab.

let gitlab: FakeGitlab;
const host = { name: 'gpu-1', description: 'dap/gpu-1', runnerType: 'project', projectId: 42, tags: ['dap', 'gpu'], runUntagged: false, locked: true, maximumTimeout: 3600 } as RunnerHost;
const client = (token = 'admin', waits: number[] = []) => new GitlabRunners({ url: gitlab.url, token, sleep: async (ms) => { waits.push(ms); }, maxWaitMs: 60_000 });

beforeAll(async () => {
  gitlab = await startFakeGitlab({ projects: [{ id: 42, path: 'ml/exp', pipelines: [] }], tokens: [], maxPerPage: 20, users: [
    { token: 'admin', scopes: ['api'], admin: true },
    { token: 'reader', scopes: ['read_api'] },
  ] });
});
afterAll(() => gitlab.close());

describe('GitLab runner API through gitbeaker', () => {
  it('creates a project runner with POST /user/runners and the inventory\'s settings', async () => {
    const r = await client().create(host);
    expect(r.token).toMatch(/^glrt-/);
    const stored = gitlab.runners.runners.find((x) => x.id === r.id)!;
    expect(stored).toMatchObject({ description: 'dap/gpu-1', runner_type: 'project_type', project_ids: [42], tag_list: ['dap', 'gpu'], run_untagged: false, locked: true, maximum_timeout: 3600 });
    expect(gitlab.requests.at(-1)).toMatchObject({ method: 'POST', path: '/api/v4/user/runners', auth: 'private' });
  });

  it('verify wraps gitbeaker\'s Runners.verify with the token (and system_id) it does not type', async () => {
    const { id, token } = await client().create(host);
    expect(await client().verify(token, 's_0123456789ab')).toEqual({ valid: true, id });
    expect(gitlab.runners.runners.find((x) => x.id === id)!.system_ids).toEqual(['s_0123456789ab']);
    expect(await client().verify('glrt-unknown')).toEqual({ valid: false });
  });

  it('lists every page of /runners/all and of the project\'s runners; shows one, edits one', async () => {
    for (let i = 0; i < 45; i++) gitlab.runners.inject({ description: `dap/bulk-${i}` });
    const pagesBefore = gitlab.requests.filter((q) => q.path.startsWith('/api/v4/runners/all')).length;
    const all = await client().list('all');
    expect(gitlab.requests.filter((q) => q.path.startsWith('/api/v4/runners/all')).length - pagesBefore).toBeGreaterThanOrEqual(3); // 20 per page
    expect(all.length).toBe(gitlab.runners.runners.length);
    expect(all.length).toBeGreaterThan(40);
    const mine = await client().list([42]);
    expect(mine.map((r) => r.id).sort((a, b) => a - b)).toEqual(gitlab.runners.runners.map((r) => r.id).sort((a, b) => a - b)); // instance runners show in every project
    const first = gitlab.runners.runners[0]!;
    await client().edit(first.id, { ...host, tags: ['x'] });
    expect((await client().show(first.id))?.tag_list).toEqual(['x']);
    expect(await client().show(999_999)).toBeUndefined();
  });

  it('deletes by id and by the runner\'s own token', async () => {
    const a = await client().create(host);
    const b = await client().create(host);
    await client().remove(a.id);
    expect(await client().removeByToken(b.token)).toBe(true);
    expect(await client().removeByToken(b.token)).toBe(false);
    expect(gitlab.runners.runners.some((r) => r.id === a.id || r.id === b.id)).toBe(false);
  });

  it('names the cause: a wrong token (401), a token without create_runner (403)', async () => {
    await expect(client('nope').create(host)).rejects.toThrow(/refused the token while creating the runner for gpu-1 \(HTTP 401\)/);
    const err = await client('reader').create(host).catch((e: unknown) => e as Error & { hint?: string });
    expect(err.message).toMatch(/refused creating the runner for gpu-1 \(HTTP 403: the token lacks the needed scope\)/);
    expect(err.hint).toMatch(/create_runner scope/);
    await expect(client('reader').list('all')).rejects.toThrow(/HTTP 403/);
  });

  it('waits as long as Retry-After says on 429, and gives up on a wait longer than allowed', async () => {
    gitlab.runners.rateLimit(/^POST \/user\/runners$/, 2, 7);
    const waits: number[] = [];
    const r = await client('admin', waits).create(host);
    expect(r.token).toMatch(/^glrt-/);
    expect(waits).toEqual([7000, 7000]);
    gitlab.runners.rateLimit(/^GET \/runners\/all$/, 1, 3600);
    await expect(client().list('all')).rejects.toThrow(/rate limiting requests \(HTTP 429, Retry-After 3600 s\) while listing runners/);
  });
});
