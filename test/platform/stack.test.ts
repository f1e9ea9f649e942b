import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec } from '../../src/adapters/exec/exec.js';
import { PYTHON, TRAIN_PY, dap } from '../tracking/helpers.js';
import { freePort, makeSecrets, mustRun, platformImages, playbook, type PlaybookRun, readSecret, repoRoot, requireCompose, run, tmpDir } from './helpers.js';

// `make provision` through the default localhost inventory, on this machine's own engine: the
// whole service stack except GitLab (which cannot run here) comes up from the local stand-in
// images, every healthcheck green; a `dap track` run ships to MLflow through nginx with TLS and
// basic auth and reads back with the MLflow Python client; a second converge changes nothing.
// Shared-machine care: project dap-t12-platform, free ports on 127.0.0.1, the engine's own
// daemon.json and process left alone (docker_manage_service false, daemon.json in a temp dir).

const STACK = 'dap-t12-platform';
let root = '';
let secrets = '';
let stack = '';
let httpPort = 0;
let httpsPort = 0;
let images: Record<string, string> = {};
let first: PlaybookRun;

function vars(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    dap_secrets_dir: secrets,
    service_stack_dir: stack,
    service_stack_name: STACK,
    service_bind_address: '127.0.0.1',
    service_http_port: httpPort,
    service_https_port: httpsPort,
    service_profiles: [],
    service_hostnames: { mlflow: 'localhost', gitlab: 'gitlab.dap.internal', registry: 'registry.dap.internal', minio: 'minio.dap.internal', pgadmin: 'pgadmin.dap.internal' },
    service_backend_subnet: '172.31.212.0/24',
    service_mlflow_workers: 2,
    service_images: images,
    service_wait_timeout: 900,
    docker_manage_service: false,
    docker_daemon_json: path.join(root, 'daemon.json'),
    runner_install: 'present',
    runner_stack_dir: path.join(root, 'runner-host'),
    dev_host_user: 'dap-t12-dev',
    ...extra,
  };
}

const dc = (...args: string[]) => ['docker', 'compose', '--env-file', '../images.env', '--env-file', 'settings.env', '-f', 'service-host.yml', ...args];
const mlflowUri = () => `https://localhost:${httpsPort}`;
const ca = () => path.join(secrets, 'tls/ca.crt');
const curl = (...args: string[]) => run(['curl', '-sS', '--max-time', '20', '--cacert', ca(), ...args]);

beforeAll(async () => {
  await requireCompose();
  images = await platformImages();
  root = tmpDir('stack');
  secrets = path.join(root, 'secrets');
  stack = path.join(root, 'stack');
  httpPort = await freePort();
  httpsPort = await freePort();
  expect((await makeSecrets(secrets)).code).toBe(0);
  first = await playbook({ vars: vars() });
}, 1_800_000);

afterAll(async () => {
  if (fs.existsSync(path.join(stack, 'compose'))) {
    await run(dc('down', '-v', '--remove-orphans'), { cwd: path.join(stack, 'compose') });
  }
  await run(['userdel', 'dap-t12-dev']);
}, 300_000);

describe('make provision on localhost', { timeout: 600_000 }, () => {
  it('converges every role and prints where the services are', () => {
    expect(first.code, first.stdout.slice(-5000)).toBe(0);
    expect(first.recap.localhost).toMatchObject({ failed: 0, unreachable: 0 });
    expect(first.stdout).toContain(`MLflow   https://localhost:${httpsPort}`);
    // the repository's infrastructure/runners.yaml describes example hosts, not localhost
    expect(first.stdout).toMatch(/skipped registering localhost: it is not under hosts: in \S+infrastructure\/runners\.yaml/);
    // no secret value in Ansible's output (no_log on the tasks that carry them)
    for (const f of ['postgres_password', 'mlflow_password', 'minio_root_password', 'mlflow_s3_secret_key']) {
      expect(first.stdout).not.toContain(readSecret(secrets, f));
    }
  });

  it('brings every service up healthy and runs the one-shot jobs to success', async () => {
    const out = await mustRun(dc('ps', '-a', '--format', 'json'), { cwd: path.join(stack, 'compose') });
    const rows = out.trim().split('\n').map((l) => JSON.parse(l) as { Service: string; State: string; Health: string; ExitCode: number; Name: string });
    const by = Object.fromEntries(rows.map((r) => [r.Service, r]));
    expect(Object.keys(by).sort()).toEqual(['minio', 'minio-init', 'mlflow', 'nginx', 'postgres-data', 'postgres-init', 'postgres-service']);
    for (const s of ['minio', 'mlflow', 'nginx', 'postgres-data', 'postgres-service']) expect([s, by[s]!.State, by[s]!.Health]).toEqual([s, 'running', 'healthy']);
    for (const s of ['minio-init', 'postgres-init']) expect([s, by[s]!.State, by[s]!.ExitCode]).toEqual([s, 'exited', 0]);
    for (const r of rows) expect(r.Name.startsWith(`${STACK}-`)).toBe(true);
  });

  it('ships a dap track run through nginx (TLS + basic auth) and reads it back with the MLflow client', async () => {
    const dir = tmpDir('job');
    fs.writeFileSync(path.join(dir, 'train.py'), TRAIN_PY);
    fs.writeFileSync(path.join(dir, 'params.json'), JSON.stringify({ lr: 0.1, layers: 3 }));
    const experiment = `platform-${Date.now().toString(36)}`;
    const auth = { MLFLOW_TRACKING_USERNAME: readSecret(secrets, 'mlflow_user'), MLFLOW_TRACKING_PASSWORD: readSecret(secrets, 'mlflow_password') };
    const r = await dap(['track', '--', 'python3', 'train.py'], {
      cwd: dir,
      env: {
        MLFLOW_TRACKING_URI: mlflowUri(), NODE_EXTRA_CA_CERTS: ca(), ...auth,
        DAP_EXPERIMENT: experiment, DAP_RUN: 'r0-platform', DAP_RUN_KEY: 'feedfacefeedface', DAP_RUN_INDEX: '0',
        DAP_PARAMS_FILE: 'params.json', DAP_ARTIFACTS: 'out', DAP_METRIC_FILES: JSON.stringify(['metrics.json']),
      },
    });
    expect(r.code, r.stderr).toBe(0);
    const back = await exec([PYTHON, path.join(repoRoot, 'test/tracking/readback.py'), mlflowUri(), experiment], {
      env: { ...process.env, REQUESTS_CA_BUNDLE: ca(), ...auth }, timeoutMs: 120_000,
    });
    expect(back.code, back.stderr.slice(-2000)).toBe(0);
    const view = JSON.parse(back.stdout) as { count: number; runs: Array<{ status: string; params: Record<string, string>; history: Record<string, unknown[]>; artifacts: Array<{ path: string }> }> };
    expect(view.count).toBe(1);
    const run0 = view.runs[0]!;
    expect(run0.status).toBe('FINISHED');
    expect(run0.params).toEqual({ lr: '0.1', layers: '3' });
    expect(run0.history.loss).toHaveLength(5);
    expect(run0.history.final_acc).toHaveLength(1);
    // artifacts went client -> nginx -> MLflow -> MinIO with MLflow's least-privilege key
    expect(run0.artifacts.map((a) => a.path).sort()).toEqual(['out/model.txt', 'out/sub/extra.txt']);
  });

  it('answers 401 without credentials, redirects plain HTTP, and stays silent for names it does not serve', async () => {
    const anon = await curl('-o', '/dev/null', '-w', '%{http_code}', `${mlflowUri()}/api/2.0/mlflow/experiments/search?max_results=1`);
    expect(anon.stdout).toBe('401');
    const wrong = await curl('-o', '/dev/null', '-w', '%{http_code}', '-u', 'dap:wrong', `${mlflowUri()}/health`);
    expect(wrong.stdout).toBe('401');
    const redirect = await curl('-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', `http://127.0.0.1:${httpPort}/some/path?x=1`);
    expect(redirect.stdout).toBe(`301 https://127.0.0.1:${httpsPort}/some/path?x=1`);
    // a TLS client asking for another name gets its handshake refused: no certificate, no page
    const other = await curl('-o', '/dev/null', '--resolve', `unknown.example:${httpsPort}:127.0.0.1`, `https://unknown.example:${httpsPort}/`);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toMatch(/alert|handshake|unrecognized name/i);
  });

  it('keeps MLflow\'s S3 key to its bucket', async () => {
    const py = [
      'import boto3, botocore',
      'ak = open("/run/secrets/mlflow_s3_access_key").read(); sk = open("/run/secrets/mlflow_s3_secret_key").read()',
      's3 = boto3.client("s3", endpoint_url="http://minio:9000", aws_access_key_id=ak, aws_secret_access_key=sk, region_name="us-east-1")',
      's3.list_objects_v2(Bucket="mlflow", MaxKeys=1)',
      'try:\n    s3.create_bucket(Bucket="not-mlflow"); print("created")\nexcept botocore.exceptions.ClientError as e:\n    print(e.response["Error"]["Code"])',
    ].join('\n');
    const out = await mustRun(dc('exec', '-T', 'mlflow', 'python', '-c', py), { cwd: path.join(stack, 'compose') });
    expect(out.trim()).toBe('AccessDenied');
  });

  it('renders an nginx configuration that nginx -t accepts', async () => {
    const r = await run(dc('exec', '-T', 'nginx', 'nginx', '-t'), { cwd: path.join(stack, 'compose') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/syntax is ok/);
    expect(r.stderr).toMatch(/test is successful/);
  });

  it('reports changed=0 on a second converge', async () => {
    const again = await playbook({ vars: vars() });
    expect(again.code, again.stdout.slice(-5000)).toBe(0);
    expect(again.recap.localhost).toMatchObject({ changed: 0, failed: 0 });
  }, 900_000);
});

describe('bad input on the service host', () => {
  it('refuses a port another program holds, naming it, and starts nothing', async () => {
    const squatter = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => squatter.once('listening', r));
    const taken = (squatter.address() as net.AddressInfo).port;
    const other = path.join(tmpDir('stack2'), 'stack');
    try {
      const r = await playbook({
        vars: vars({ service_stack_name: 'dap-t12-taken', service_stack_dir: other, service_https_port: taken, service_http_port: await freePort() }),
        args: ['--limit', 'localhost'],
      });
      expect(r.code).not.toBe(0);
      expect(r.stdout).toContain(`port ${taken} on localhost (127.0.0.1) is already taken`);
      expect(fs.existsSync(other)).toBe(false);
      const ps = await mustRun(['docker', 'ps', '-a', '--filter', 'label=com.docker.compose.project=dap-t12-taken', '--format', '{{.Names}}']);
      expect(ps.trim()).toBe('');
    } finally {
      squatter.close();
    }
  }, 300_000);
});
