// MLflow checks: reachable, version, credentials, its database (a 5xx from an API call that reads
// it), a metric write → read round trip and an artifact write → read → delete round trip through
// the server's artifact proxy (so the object store is checked from MLflow's side).

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createMlflowClient, type MlflowClient } from '../../adapters/mlflow/index.js';
import { redactUrl } from '../../adapters/http/index.js';
import { probeMlflow, probeTransport, type MlflowProbe } from '../probes/mlflow.js';
import { fail, pass, skip, type Chain } from './runner.js';

export const DOCTOR_EXPERIMENT = 'dap-doctor';

export function mlflowChain(env: NodeJS.ProcessEnv, timeoutMs: number): Chain {
  const uri = env.MLFLOW_TRACKING_URI;
  const target = uri ? redactUrl(uri).replace(/\/+$/, '') : '(not configured)';
  if (!uri) return [{ check: 'mlflow.reachable', target, run: async () => skip('no MLflow configured', 'run `dap login` or set MLFLOW_TRACKING_URI') }];
  const transport = probeTransport(uri, env, timeoutMs);
  let probe: Promise<MlflowProbe> | undefined;
  const api = () => (probe ??= probeMlflow(transport));
  let client: MlflowClient | undefined;
  const mlflow = () => (client ??= createMlflowClient({ trackingUri: uri, env, retry: { maxRetries: 1, timeoutMs, maxTotalMs: timeoutMs } }));

  return [
    {
      check: 'mlflow.reachable', target,
      run: async (signal) => {
        try {
          const res = await transport.request({ method: 'GET', path: '/health', retry: false, buffer: true, auth: false, signal });
          const text = (await res.text()).trim();
          // /health is public in MLflow; a proxy may guard it, which the credentials check tells apart
          return res.ok || res.status === 401 || res.status === 403 ? pass(`HTTP ${res.status} ${text.slice(0, 20)}`.trim()) : fail(`/health answered HTTP ${res.status}`, 'check the server log');
        } catch (e) {
          return fail(`cannot reach ${target} (${(e as { code?: string }).code ?? (e as Error).message})`, 'is the server up? `scripts/services.sh status` (make services), or check MLFLOW_TRACKING_URI / `dap login`');
        }
      },
    },
    {
      check: 'mlflow.version', target, independent: true,
      run: async (signal) => {
        const res = await transport.request({ method: 'GET', path: '/version', retry: false, buffer: true, signal });
        const text = (await res.text()).trim();
        return res.ok && /^\d+\.\d+/.test(text) ? pass(`MLflow ${text}`) : skip(`no version (HTTP ${res.status})`);
      },
    },
    {
      check: 'mlflow.credentials', target,
      run: async () => {
        const p = await api();
        if (p.ok) return pass(env.MLFLOW_TRACKING_USERNAME ? `accepted (basic, user ${env.MLFLOW_TRACKING_USERNAME})` : env.MLFLOW_TRACKING_TOKEN ? 'accepted (bearer token)' : 'accepted (no credentials needed)');
        if (p.kind === 'server') return skip(`cannot tell: ${p.detail}`);
        return fail(p.detail, p.hint);
      },
    },
    {
      check: 'mlflow.database', target,
      run: async () => {
        const p = await api();
        if (p.ok) return pass('MLflow reads and answers from its database (Postgres)');
        if (p.kind === 'server') return fail(p.detail, p.hint + '; `pg_isready` on the database host');
        return skip(`cannot tell: ${p.detail}`);
      },
    },
    { check: 'mlflow.metrics', target, independent: true, run: () => metricRoundTrip(mlflow()) },
    { check: 'mlflow.artifacts', target, run: () => artifactRoundTrip(mlflow()) },
  ];
}

async function withDoctorRun<T>(c: MlflowClient, name: string, body: (runId: string) => Promise<T>): Promise<T> {
  const exp = await c.experiments.getOrCreate(DOCTOR_EXPERIMENT);
  const run = await c.runs.create({ experimentId: exp.experiment_id, runName: name, tags: { 'dap.doctor': 'true' } });
  const runId = run.info.run_id;
  try {
    return await body(runId);
  } finally {
    await c.runs.delete(runId).catch(() => undefined);
  }
}

async function metricRoundTrip(c: MlflowClient) {
  return withDoctorRun(c, 'doctor-metrics', async (runId) => {
    const now = Date.now();
    const points = [0.5, 0.25, 0.125].map((value, step) => ({ key: 'doctor_probe', value, step, timestamp: now + step }));
    await c.runs.logBatch(runId, { metrics: points });
    const back = (await c.metrics.history(runId, 'doctor_probe')).sort((a, b) => Number(a.step) - Number(b.step));
    const same = back.length === points.length && back.every((m, i) => Number(m.value) === points[i]!.value && Number(m.step) === i);
    return same
      ? pass(`${points.length} points written and read back (experiment ${DOCTOR_EXPERIMENT})`)
      : fail(`wrote ${points.length} points, read back ${JSON.stringify(back.map((m) => [m.step, m.value]))}`, 'MLflow lost or changed metric points: check its database');
  });
}

async function artifactRoundTrip(c: MlflowClient) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dap-doctor-'));
  try {
    return await withDoctorRun(c, 'doctor-artifacts', async (runId) => {
      const bytes = randomBytes(4096);
      const src = path.join(dir, 'probe.bin');
      fs.writeFileSync(src, bytes);
      const hint = "MLflow cannot use its artifact store: is MinIO/S3 up and are MLflow's credentials for it right? (server log)";
      try {
        await c.artifacts.upload(runId, src, 'doctor/probe.bin');
      } catch (e) {
        return fail(`upload through the proxy failed: ${(e as Error).message.split('\n')[0]}`, hint);
      }
      const back = path.join(dir, 'back.bin');
      await c.artifacts.download(runId, 'doctor/probe.bin', back);
      if (!fs.readFileSync(back).equals(bytes)) return fail('the artifact read back differs from what was written', hint);
      await c.artifacts.delete(runId, 'doctor/probe.bin');
      const left = await c.artifacts.listAll(runId);
      if (left.length) return fail(`delete left ${left.map((f) => f.path).join(', ')}`, hint);
      return pass('4096 bytes written, read back identical, deleted (through the MLflow proxy)');
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
