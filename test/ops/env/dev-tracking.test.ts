import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upEnvironment } from '../../../src/ops/env/up.js';
import { downEnvironment } from '../../../src/ops/env/down.js';
import { connectInfo } from '../../../src/ops/env/connect.js';
import { findContainer } from '../../../src/adapters/docker/containers.js';
import { sshExec } from '../../../src/adapters/ssh/client.js';
import { pinnedKeys } from '../../../src/core/env/known-hosts.js';
import { DockerEngine } from '../../../src/adapters/docker/engine.js';
import { TEST_PROJECT, opsContext, removeProjectContainers, requireEngine, sandbox } from './helpers.js';
import type { Sandbox } from './helpers.js';

// A dev container as a researcher uses it: the session starts in /workspace, and `dap track`
// inside it lands the run in the same MLflow as on the host — here the real shared MLflow on the
// host's loopback (make services), reached through the forwarder in the container and the relay on
// the bridge gateway. And the
// project itself as the workspace (--bind-project).

const mlflow = process.env.MLFLOW_TRACKING_URI ?? 'http://127.0.0.1:55000';
// a token with a quote: the session file must carry it byte for byte (MLflow without auth ignores it)
const TOKEN = "tok-'quoted'-$HOME-t7";
let sb: Sandbox;

beforeAll(async () => {
  await requireEngine();
  const health = await fetch(`${mlflow}/health`, { signal: AbortSignal.timeout(5000) }).catch((e: Error) => e);
  if (!(health instanceof Response) || !health.ok) {
    throw new Error(`MLflow at ${mlflow} is not up (${health instanceof Response ? health.status : health.message}): run \`make services\` and eval "$(bash scripts/services.sh env)"`);
  }
  sb = await sandbox();
  await removeProjectContainers({ volumes: true });
}, 120_000);
afterAll(async () => {
  await removeProjectContainers({ volumes: true }).catch(() => {});
  await sb?.cleanup();
});

const key = () => readFileSync(path.join(sb.home, '.ssh', 'id_ed25519'));
const ssh = async (name: string, command: string) => {
  const info = await connectInfo(name, sb.env);
  const pinned = pinnedKeys(await fs.readFile(path.join(sb.home, '.ssh', 'dap_known_hosts'), 'utf8'), `dap-${name}`);
  return sshExec({ host: '127.0.0.1', port: info.sshPort, username: info.user, privateKey: key(), pinned }, command);
};

async function mlflowPost<T>(route: string, body: object): Promise<T> {
  const res = await fetch(`${mlflow}/api/2.0/mlflow/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${route}: HTTP ${res.status} ${await res.text()}`);
  return res.json() as Promise<T>;
}

describe('dap env up: workspace and tracking', () => {
  it('sessions start in /workspace; dap track inside reaches the host\'s loopback MLflow', async () => {
    const c = opsContext(sb, undefined, { MLFLOW_TRACKING_URI: mlflow, MLFLOW_TRACKING_TOKEN: TOKEN });
    const up = await upEnvironment(c, 'python');
    expect(up.trackingUri).toBe(mlflow); // the same URI inside: MLflow checks the Host header
    expect(up.workspace).toBe(`dap-${TEST_PROJECT}-python-workspace`);

    const where = await ssh('python', 'pwd; printenv MLFLOW_TRACKING_URI; printenv MLFLOW_TRACKING_TOKEN');
    expect(where.stdout.trim().split('\n')).toEqual(['/workspace', up.trackingUri, TOKEN]);
    // a shell the user starts in their home stays there (the session script runs once per session)
    expect((await ssh('python', 'cd ~ && bash -lc pwd')).stdout.trim()).toBe('/home/dev');
    // an interactive login shell starts there too
    expect((await ssh('python', 'bash -lc pwd')).stdout.trim()).toBe('/workspace');

    const experiment = `dap-t7-devcontainer-${Date.now()}`;
    const train = 'import json\nfor i in range(3):\n    print(json.dumps({"step": i, "loss": 1.0 / (i + 1)}))\n';
    const run = await ssh('python', [
      `printf '%s' '${train}' > train.py`,
      `printf '{"lr": 0.1}' > params.json`,
      `dap track --experiment ${experiment} --run-name in-container --params-file params.json --require-tracking -- python3 train.py`,
    ].join(' && '));
    expect(run.code, run.stderr).toBe(0);

    const { experiment: exp } = await fetch(`${mlflow}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${experiment}`)
      .then((r) => r.json() as Promise<{ experiment: { experiment_id: string } }>);
    const { runs } = await mlflowPost<{ runs: Array<{ info: { status: string; run_name: string }; data: { params?: Array<{ key: string; value: string }> } }> }>(
      'runs/search', { experiment_ids: [exp.experiment_id] });
    expect(runs).toHaveLength(1);
    expect(runs[0]!.info).toMatchObject({ status: 'FINISHED', run_name: 'in-container' });
    expect(runs[0]!.data.params).toContainEqual({ key: 'lr', value: '0.1' });

    // down removes the relay with the container
    const relay = `dap-${TEST_PROJECT}-python-tracking`;
    expect((await findContainer(new DockerEngine(), relay))?.State.Running).toBe(true);
    await downEnvironment(c, 'python', { purge: true });
    expect(await findContainer(new DockerEngine(), relay)).toBeUndefined();
  }, 900_000);

  it('--bind-project: /workspace is the project directory, writable by the developer', async () => {
    // the container user has the developer's uid (1000 for root); a root developer's project is
    // made 1000's here, as a non-root developer's own project already is
    if (process.getuid!() === 0) execFileSync('chown', ['-R', '1000:1000', sb.project]);
    const c = opsContext(sb, undefined, { MLFLOW_TRACKING_URI: undefined });
    const up = await upEnvironment(c, 'base', { bindProject: true });
    expect(up.workspace).toBe(sb.project);
    expect(up.trackingUri).toBeUndefined();
    const r = await ssh('base', 'ls; echo from-container > written.txt');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toContain('environments');
    const written = path.join(sb.project, 'written.txt');
    expect(await fs.readFile(written, 'utf8')).toBe('from-container\n');
    const expectedUid = process.getuid!() === 0 ? 1000 : process.getuid!();
    expect((await fs.stat(written)).uid).toBe(expectedUid);
    await downEnvironment(c, 'base', { purge: true });
    execFileSync('rm', ['-f', written]);
  }, 900_000);
});
