import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeGitlab } from '../../test/fakes/gitlab-server.js';
import type { FakeGitlab } from '../../test/fakes/gitlab-server.js';
import { runDap, startRunnerHosts } from '../../test/runners/support/hosts.js';
import type { RunnerHostLab } from '../../test/runners/support/hosts.js';

// Benchmark: wall time of `dap runners register` for 10 hosts against 1 host, same run, same
// machine, interleaved rounds, each registration from scratch (the previous round unregisters).
// Goal: 10 hosts <= 1.5x one host. Prints medians and the ratio; not a timed test.

const ROUNDS = Number(process.env.DAP_BENCH_ROUNDS ?? 5);
let lab: RunnerHostLab;
let gitlab: FakeGitlab;
let project: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  lab = await startRunnerHosts(10, `dap-bench-runners-${process.pid}`);
  gitlab = await startFakeGitlab({ projects: [], tokens: [], listenHost: lab.gateway, users: [{ token: 'bench', scopes: ['api'], admin: true }] });
  project = path.join(lab.home, 'project');
  await fs.mkdir(path.join(project, 'infrastructure'), { recursive: true });
  await fs.writeFile(path.join(project, 'infrastructure', 'runners.yaml'), lab.inventory());
  env = { ...process.env, HOME: lab.home, GITLAB_URL: gitlab.url, GITLAB_TOKEN: 'bench' };
  delete env.SSH_AUTH_SOCK;
}, 600_000);

afterAll(async () => {
  await lab?.stop();
  await gitlab?.close();
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

it('register: 10 hosts vs 1 host', async () => {
  const dap = async (args: string[]) => {
    const r = await runDap(['runners', ...args], env, project);
    if (r.code !== 0) throw new Error(`dap runners ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
    return r.ms;
  };
  const all = lab.hosts.map((h) => h.name);
  await dap(['register', '--accept-new-host-keys']); // pin keys, warm caches
  const one: number[] = [];
  const ten: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    await dap(['unregister', ...all]);
    one.push(await dap(['register', 'h1']));
    await dap(['unregister', 'h1']);
    ten.push(await dap(['register', '--parallel', '10']));
  }
  const ratio = median(ten) / median(one);
  process.stdout.write(`register 1 host:   median ${median(one).toFixed(0)} ms  (${one.map((x) => x.toFixed(0)).join(', ')})\n`);
  process.stdout.write(`register 10 hosts: median ${median(ten).toFixed(0)} ms  (${ten.map((x) => x.toFixed(0)).join(', ')})\n`);
  process.stdout.write(`ratio 10/1: ${ratio.toFixed(2)}x (goal <= 1.5x), load average ${(await fs.readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')}\n`);
  expect(gitlab.runners.runners.filter((r) => r.description.startsWith('dap/'))).toHaveLength(10);
});
