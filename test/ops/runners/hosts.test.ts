import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'smol-toml';
import { startFakeGitlab } from '../../fakes/gitlab-server.js';
import type { FakeGitlab } from '../../fakes/gitlab-server.js';
import { HOST_KEY, runDap, startRunnerHosts } from './support/hosts.js';
import type { RunnerHostLab } from './support/hosts.js';

// `dap runners` end to end: five real sshd containers running the gitlab-runner test double,
// the fake GitLab on the containers' network, dap as its own process.

const ADMIN = 'glpat-admin-create-runner';
const READ_ONLY = 'glpat-read-only';

let lab: RunnerHostLab;
let gitlab: FakeGitlab;
let project: string;
let env: NodeJS.ProcessEnv;

const dap = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => runDap(['runners', ...args], { ...env, ...extraEnv }, project);
const config = (host: string) => parse(lab.exec(host, 'cat /etc/gitlab-runner/config.toml')) as { concurrent?: number; runners?: Array<Record<string, unknown>> };
const dapRunners = (name?: string) => gitlab.runners.runners.filter((r) => (name ? r.description === `dap/${name}` : r.description.startsWith('dap/')));
const lines = (s: string) => s.trim().split('\n').filter(Boolean);

beforeAll(async () => {
  lab = await startRunnerHosts(5);
  gitlab = await startFakeGitlab({ projects: [], tokens: [], listenHost: lab.gateway, users: [
    { token: ADMIN, scopes: ['create_runner', 'manage_runner', 'read_api'], admin: true },
    { token: READ_ONLY, scopes: ['read_api'], admin: true },
  ] });
  project = path.join(lab.home, 'project');
  await fs.mkdir(path.join(project, 'infrastructure'), { recursive: true });
  await fs.writeFile(path.join(project, 'infrastructure', 'runners.yaml'), lab.inventory());
  env = { ...process.env, HOME: lab.home, GITLAB_URL: gitlab.url, GITLAB_TOKEN: ADMIN };
  delete env.SSH_AUTH_SOCK;
}, 240_000);

afterAll(async () => {
  await lab?.stop();
  await gitlab?.close();
});

describe('dap runners on five real SSH hosts', () => {
  it('registers every host: one runner each, config.toml 0600 with dap\'s entry, verified, the token never printed', async () => {
    const r = await dap(['register', '--accept-new-host-keys']);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout).map((l) => l.split('  ').slice(0, 2).join(' ')).sort()).toEqual(['h1 registered', 'h2 registered', 'h3 registered', 'h4 registered', 'h5 registered']);
    expect(r.stderr).toMatch(/h1: pinned host key SHA256:/);
    expect(dapRunners()).toHaveLength(5);
    for (const h of lab.hosts) {
      const runner = dapRunners(h.name)[0]!;
      expect(runner.tag_list).toEqual(['dap', 'test']);
      expect(runner.run_untagged).toBe(false);
      const cfg = config(h.name);
      expect(cfg.concurrent).toBe(2);
      expect(cfg.runners).toEqual([expect.objectContaining({ name: `dap/${h.name}`, id: runner.id, token: runner.token, url: gitlab.url, executor: 'docker', docker: expect.objectContaining({ image: 'local/debian:bookworm' }) })]);
      expect(lab.exec(h.name, 'stat -c %a /etc/gitlab-runner/config.toml')).toBe('600');
      expect(r.stdout + r.stderr).not.toContain(runner.token);
    }
    // the test double's `run` loop polls POST /jobs/request: GitLab sees the runners online
    await expect.poll(() => dapRunners().every((x) => x.contacted_at !== null), { timeout: 15_000, interval: 500 }).toBe(true);
  }, 120_000);

  it('registering again changes nothing: no new runner, no rewritten file', async () => {
    const before = lab.hosts.map((h) => lab.exec(h.name, 'stat -c %Y.%i /etc/gitlab-runner/config.toml'));
    const r = await dap(['register', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { hosts: Array<{ host: string; result: string }> };
    expect(out.hosts.map((h) => h.result)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);
    expect(dapRunners()).toHaveLength(5);
    expect(lab.hosts.map((h) => lab.exec(h.name, 'stat -c %Y.%i /etc/gitlab-runner/config.toml'))).toEqual(before);
  }, 60_000);

  it('status is clean, then reports drift, a stale token and an orphan, and exits 1', async () => {
    const clean = await dap(['status']);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toContain('all runners ok');

    lab.exec('h2', "sed -i 's/^concurrent = 2$/concurrent = 9/' /etc/gitlab-runner/config.toml");
    dapRunners('h3')[0]!.tag_list = ['dap'];
    const h4 = dapRunners('h4')[0]!;
    gitlab.runners.runners = gitlab.runners.runners.filter((r) => r !== h4); // deleted in the UI
    const orphan = gitlab.runners.inject({ description: 'dap/retired-host' });
    const r = await dap(['status', '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { hosts: Array<{ host: string; state: string; drift: string[] }>; orphans: Array<{ id: number }> };
    const state = Object.fromEntries(report.hosts.map((h) => [h.host, h]));
    expect(state.h1!.state).toBe('ok');
    expect(state.h2!.drift).toEqual(['concurrent: config.toml 9, inventory 2']);
    expect(state.h3!.drift).toEqual(['tags: gitlab [dap], inventory [dap, test]']);
    expect(state.h4!.state).toBe('stale-token');
    expect(report.orphans.map((o) => o.id)).toEqual([orphan.id]);
    const table = await dap(['status']);
    expect(table.stdout).toMatch(/dap\/retired-host\s+orphan/);
  }, 60_000);

  it('prune deletes only the orphan; register repairs drift and the stale host', async () => {
    const pruned = await dap(['prune', '--yes']);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toMatch(/orphan: runner #\d+ dap\/retired-host/);
    expect(gitlab.runners.runners.some((r) => r.description === 'dap/retired-host')).toBe(false);
    expect(dapRunners()).toHaveLength(4);

    const r = await dap(['register']);
    expect(r.code, r.stderr).toBe(0);
    const result = Object.fromEntries(lines(r.stdout).map((l) => [l.split('  ')[0], l.split('  ')[1]]));
    expect(result).toEqual({ h1: 'unchanged', h2: 'updated', h3: 'updated', h4: 'registered', h5: 'unchanged' });
    expect(config('h2').concurrent).toBe(2);
    expect(dapRunners('h3')[0]!.tag_list).toEqual(['dap', 'test']);
    expect(dapRunners()).toHaveLength(5);
    // h4's new runner is online once the runner's next poll (every 3 s) used the new token
    await expect.poll(async () => (await dap(['status'])).code, { timeout: 30_000, interval: 1000 }).toBe(0);
  }, 60_000);

  it('unregister removes the runner from GitLab and from the host, keeping other entries', async () => {
    lab.exec('h5', "printf '\\n[[runners]]\\nname = \"hand-made\"\\nurl = \"http://example.invalid\"\\ntoken = \"glrt-other\"\\nexecutor = \"shell\"\\n' >> /etc/gitlab-runner/config.toml");
    const r = await dap(['unregister', 'h5']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^h5 {2}unregistered {2}runner #\d+/);
    expect(dapRunners('h5')).toHaveLength(0);
    expect(config('h5').runners!.map((x) => x.name)).toEqual(['hand-made']);
  }, 60_000);

  it('a token without the create_runner scope fails the host with a clear message and creates nothing', async () => {
    const r = await dap(['register', 'h5'], { GITLAB_TOKEN: READ_ONLY });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^h5 {2}FAILED {2}h5: GitLab at .* refused creating the runner for h5 \(HTTP 403: the token lacks the needed scope\)/);
    expect(dapRunners('h5')).toHaveLength(0);
  }, 60_000);

  it('waits out a 429 as long as Retry-After says', async () => {
    gitlab.runners.rateLimit(/^POST \/user\/runners$/, 1, 1);
    const r = await dap(['register', 'h5']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('GitLab answered 429 on user/runners: waiting 1 s (Retry-After)');
    expect(r.stdout).toMatch(/^h5 {2}registered/);
    expect(dapRunners('h5')).toHaveLength(1);
  }, 60_000);

  it('two concurrent registers of the same inventory create no duplicate runner (per-host lock)', async () => {
    await dap(['unregister', 'h4', 'h5']);
    expect(dapRunners()).toHaveLength(3);
    const [a, b] = await Promise.all([dap(['register', '--json']), dap(['register', '--json'])]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(dapRunners('h4')).toHaveLength(1);
    expect(dapRunners('h5')).toHaveLength(1);
    expect(dapRunners()).toHaveLength(5);
    const results = [a, b].flatMap((x) => (JSON.parse(x.stdout) as { hosts: Array<{ host: string; result: string }> }).hosts.filter((h) => h.host === 'h4').map((h) => h.result));
    expect(results.sort()).toEqual(['registered', 'unchanged']);
  }, 90_000);

  it('a changed host key fails that host closed; an unreachable host and a refused key fail; the others finish', async () => {
    lab.exec('h1', `rm -f ${HOST_KEY} ${HOST_KEY}.pub && ssh-keygen -q -t ed25519 -N '' -f ${HOST_KEY} && kill -HUP $(cat /run/sshd.pid)`);
    await new Promise((r) => setTimeout(r, 500));
    const h2ip = lab.hosts[1]!.ip;
    const otherKey = path.join(lab.home, 'not-authorized');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
    await fs.writeFile(path.join(project, 'infrastructure', 'runners.yaml'), lab.inventory(`  gone:\n    address: ${h2ip}\n    port: 2222\n  wrong-key:\n    address: ${h2ip}\n    identity_file: ${otherKey}`));
    const before = lab.exec('h1', 'cat /etc/gitlab-runner/config.toml');
    const r = await dap(['register']);
    expect(r.code).toBe(1);
    const out = lines(r.stdout);
    expect(out.find((l) => l.startsWith('h1 '))).toMatch(/^h1 {2}FAILED {2}h1 \(root@[\d.]+:22\): HOST KEY CHANGED \(presented SHA256:[A-Za-z0-9+/]+, not the key pinned in .*dap_known_hosts\); refusing to connect/);
    expect(out.find((l) => l.startsWith('gone '))).toMatch(/^gone {2}FAILED {2}gone \(root@[\d.]+:2222\): unreachable \(ECONNREFUSED\)/);
    expect(out.find((l) => l.startsWith('wrong-key '))).toMatch(/^wrong-key {2}FAILED {2}wrong-key \(root@[\d.]+:22\): SSH authentication failed \(the key was not accepted for user root\)/);
    expect(out.filter((l) => / unchanged/.test(l)).map((l) => l.split('  ')[0]).sort()).toEqual(['h2', 'h3', 'h4', 'h5']);
    expect(r.stderr).toContain('dap: 3 of 7 hosts failed: h1, gone, wrong-key');
    expect(lab.exec('h1', 'cat /etc/gitlab-runner/config.toml')).toBe(before);
  }, 60_000);

  it('a host seen for the first time is refused without --accept-new-host-keys, with its fingerprint', async () => {
    const home = path.join(lab.home, 'fresh-home');
    await fs.mkdir(home, { recursive: true });
    const r = await dap(['status'], { HOME: home });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/h2 +unreachable .*h2 \(root@[\d.]+:22\): unknown host key ssh-ed25519 SHA256:\S+; check it and run again with --accept-new-host-keys to pin it/);
  }, 60_000);

  it('refuses a host whose config.toml is not TOML, pointing at the error, and leaves the file alone', async () => {
    await fs.writeFile(path.join(project, 'infrastructure', 'runners.yaml'), lab.inventory());
    lab.exec('h3', "printf 'concurrent = 2\\n[[runners]\\nname = \"x\"\\n' > /etc/gitlab-runner/config.toml");
    const r = await dap(['register', 'h3']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/h3:\/etc\/gitlab-runner\/config\.toml:2:\d+: not valid TOML/);
    expect(r.stdout).toContain('refusing to overwrite /etc/gitlab-runner/config.toml');
    expect(lab.exec('h3', 'cat /etc/gitlab-runner/config.toml')).toBe('concurrent = 2\n[[runners]\nname = "x"');
  }, 60_000);
});
