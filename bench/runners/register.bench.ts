import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeGitlab } from '../../test/fakes/gitlab-server.js';
import type { FakeGitlab } from '../../test/fakes/gitlab-server.js';
import { repoRoot, runDap, startRunnerHosts } from '../../test/ops/runners/support/hosts.js';
import type { RunnerHostLab } from '../../test/ops/runners/support/hosts.js';

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
const seconds = (t: string) => { const m = /^(\d+)m([\d.]+)s$/.exec(t)!; return Number(m[1]) * 60 + Number(m[2]); };

/** dap's own CPU time (user + sys, from bash's `times`): what dap spends, apart from the hosts' work. */
async function timedDap(args: string[]): Promise<{ ms: number; cpuMs: number }> {
  const bin = path.join(repoRoot, 'dist/cli/bin.js');
  const r = await runDap([], env, project, ['bash', '-c', '"$0" "$@" >/dev/null; c=$?; times >&2; exit $c', process.execPath, bin, 'runners', ...args]);
  if (r.code !== 0) throw new Error(`dap runners ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
  const [user, sys] = r.stderr.trim().split('\n').at(-1)!.split(/\s+/);
  return { ms: r.ms, cpuMs: (seconds(user!) + seconds(sys!)) * 1000 };
}

it('register: 10 hosts vs 1 host', async () => {
  const all = lab.hosts.map((h) => h.name);
  await timedDap(['register', '--accept-new-host-keys']); // pin keys, warm caches
  const one: Array<{ ms: number; cpuMs: number }> = [];
  const ten: Array<{ ms: number; cpuMs: number }> = [];
  for (let i = 0; i < ROUNDS; i++) {
    await timedDap(['unregister', ...all]);
    one.push(await timedDap(['register', 'h1']));
    await timedDap(['unregister', 'h1']);
    ten.push(await timedDap(['register', '--parallel', '10']));
  }
  const wall = (xs: typeof one) => median(xs.map((x) => x.ms));
  const cpu = (xs: typeof one) => median(xs.map((x) => x.cpuMs));
  const list = (xs: typeof one) => xs.map((x) => x.ms.toFixed(0)).join(', ');
  process.stdout.write(`register 1 host:   wall median ${wall(one).toFixed(0)} ms (${list(one)}); dap CPU median ${cpu(one).toFixed(0)} ms\n`);
  process.stdout.write(`register 10 hosts: wall median ${wall(ten).toFixed(0)} ms (${list(ten)}); dap CPU median ${cpu(ten).toFixed(0)} ms\n`);
  process.stdout.write(`ratio 10/1: wall ${(wall(ten) / wall(one)).toFixed(2)}x (goal <= 1.5x), dap CPU ${(cpu(ten) / cpu(one)).toFixed(2)}x; ${os.cpus().length} cores, load average ${(await fs.readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')}\n`);
  expect(gitlab.runners.runners.filter((r) => r.description.startsWith('dap/'))).toHaveLength(10);
});
