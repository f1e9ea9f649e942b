// Every resource of the MLflow client against the real server (scripts/services.sh up).

import { beforeAll, describe, expect, it } from 'vitest';
import { createMlflowClient, MlflowError } from '../../../src/adapters/mlflow/index.js';
import { closedPort } from '../../support/fault-proxy.js';
import { py, requireMlflow, trackingUri, uniqueName } from '../../support/mlflow-services.js';

const client = createMlflowClient({ trackingUri, env: {} });

beforeAll(requireMlflow);

describe('experiments', () => {
  it('getByName returns undefined for a missing experiment, then create and getOrCreate find it', async () => {
    const name = uniqueName('exp');
    expect(await client.experiments.getByName(name)).toBeUndefined();
    const id = await client.experiments.create(name, { tags: { owner: 'dap-test' } });
    const got = await client.experiments.getByName(name);
    expect(got?.experiment_id).toBe(id);
    expect(got?.tags).toContainEqual({ key: 'owner', value: 'dap-test' });
    expect((await client.experiments.getOrCreate(name)).experiment_id).toBe(id);
  });

  it('getOrCreate from many concurrent callers yields one experiment (RESOURCE_ALREADY_EXISTS race)', async () => {
    const name = uniqueName('race');
    const ids = await Promise.all(Array.from({ length: 6 }, () => client.experiments.getOrCreate(name).then((e) => e.experiment_id)));
    expect(new Set(ids).size).toBe(1);
  });

  it('getOrCreate refuses a deleted experiment with a hint to restore it; restore makes it usable', async () => {
    const name = uniqueName('deleted');
    const id = await client.experiments.create(name);
    await client.experiments.delete(id);
    const err = (await client.experiments.getOrCreate(name).catch((e: unknown) => e)) as { message: string; hint: string };
    expect(err.message).toBe(`MLflow experiment "${name}" (id ${id}) is deleted`);
    expect(err.hint).toContain(`mlflow experiments restore --experiment-id ${id}`);
    await client.experiments.restore(id);
    expect((await client.experiments.getOrCreate(name)).experiment_id).toBe(id);
  });

  it('create of an existing name is an MlflowError with the server error code', async () => {
    const name = uniqueName('dup');
    await client.experiments.create(name);
    const err = await client.experiments.create(name).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowError);
    expect((err as MlflowError).errorCode).toBe('RESOURCE_ALREADY_EXISTS');
    expect((err as MlflowError).status).toBe(400);
  });
});

describe('runs', () => {
  it('create/get/update/setTag/delete round-trip, visible to the Python client', async () => {
    const exp = await client.experiments.getOrCreate(uniqueName('runs'));
    const start = Date.now() - 5000;
    const run = await client.runs.create({ experimentId: exp.experiment_id, runName: 'first', startTime: start, tags: { 'dap.run_key': 'k1' } });
    expect(run.info.status).toBe('RUNNING');
    expect(Number(run.info.start_time)).toBe(start);
    expect(run.info.artifact_uri).toMatch(/^mlflow-artifacts:\//);
    await client.runs.setTag(run.info.run_id, 'stage', 'train');
    const end = Date.now();
    const info = await client.runs.update(run.info.run_id, { status: 'FAILED', endTime: end });
    expect(info.status).toBe('FAILED');
    const got = await client.runs.get(run.info.run_id);
    expect(got.info.run_name).toBe('first');
    expect(Number(got.info.end_time)).toBe(end);
    expect(got.data.tags).toEqual(expect.arrayContaining([{ key: 'stage', value: 'train' }, { key: 'dap.run_key', value: 'k1' }]));

    const seen = await py<{ status: string; tags: Record<string, string>; name: string }>(
      `import json, sys; from mlflow import MlflowClient
r = MlflowClient().get_run(json.loads(sys.argv[1]))
print(json.dumps({"status": r.info.status, "tags": r.data.tags, "name": r.info.run_name}))`,
      run.info.run_id,
    );
    expect(seen).toMatchObject({ status: 'FAILED', name: 'first', tags: { stage: 'train', 'dap.run_key': 'k1' } });

    await client.runs.delete(run.info.run_id);
    expect((await client.runs.get(run.info.run_id)).info.lifecycle_stage).toBe('deleted');
    const active = await client.runs.search({ experimentIds: [exp.experiment_id] });
    expect(active.runs).toHaveLength(0);
    const all = await client.runs.search({ experimentIds: [exp.experiment_id], viewType: 'ALL' });
    expect(all.runs.map((r) => r.info.run_id)).toEqual([run.info.run_id]);
  });

  it('search filters, orders and pages; searchAll walks every page', async () => {
    const exp = await client.experiments.getOrCreate(uniqueName('search'));
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await client.runs.create({ experimentId: exp.experiment_id, runName: `r${i}`, startTime: 1_700_000_000_000 + i, tags: { parity: i % 2 ? 'odd' : 'even' } });
      created.push(r.info.run_id);
    }
    const first = await client.runs.search({ experimentIds: [exp.experiment_id], maxResults: 3, orderBy: ['attributes.start_time ASC'] });
    expect(first.runs.map((r) => r.info.run_name)).toEqual(['r0', 'r1', 'r2']);
    expect(first.nextPageToken).toBeTruthy();
    const second = await client.runs.search({ experimentIds: [exp.experiment_id], maxResults: 3, orderBy: ['attributes.start_time ASC'], pageToken: first.nextPageToken });
    expect(second.runs.map((r) => r.info.run_name)).toEqual(['r3', 'r4', 'r5']);

    const names: string[] = [];
    for await (const r of client.runs.searchAll({ experimentIds: [exp.experiment_id], maxResults: 2, orderBy: ['attributes.start_time DESC'] })) {
      names.push(r.info.run_name ?? '');
    }
    expect(names).toEqual(['r6', 'r5', 'r4', 'r3', 'r2', 'r1', 'r0']);

    const odd = await client.runs.search({ experimentIds: [exp.experiment_id], filter: "tags.parity = 'odd'" });
    expect(odd.runs.map((r) => r.info.run_name).sort()).toEqual(['r1', 'r3', 'r5']);
  });

  it('get of an unknown run is RESOURCE_DOES_NOT_EXIST', async () => {
    const err = await client.runs.get('0123456789abcdef0123456789abcdef').catch((e: unknown) => e);
    expect((err as MlflowError).errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});

describe('model registry', () => {
  it('registers a model and a version from a run artifact path', async () => {
    const exp = await client.experiments.getOrCreate(uniqueName('registry'));
    const run = await client.runs.create({ experimentId: exp.experiment_id, runName: 'train' });
    const name = uniqueName('model');
    expect(await client.registeredModels.get(name)).toBeUndefined();
    const model = await client.registeredModels.create(name, { description: 'toy', tags: { team: 'dap' } });
    expect(model.name).toBe(name);
    expect((await client.registeredModels.getOrCreate(name)).name).toBe(name);
    const v1 = await client.modelVersions.createFromRun(name, run.info.run_id, 'model');
    expect(v1.version).toBe('1');
    expect(v1.source).toBe(`${run.info.artifact_uri}/model`);
    expect(v1.run_id).toBe(run.info.run_id);
    const v2 = await client.modelVersions.create({ name, source: `runs:/${run.info.run_id}/model`, runId: run.info.run_id });
    expect(v2.version).toBe('2');
    const got = await client.modelVersions.get(name, 2);
    expect(got.run_id).toBe(run.info.run_id);
    const viaPy = await py<string[]>(
      `import json, sys; from mlflow import MlflowClient
print(json.dumps(sorted(v.version for v in MlflowClient().search_model_versions(f"name='{json.loads(sys.argv[1])}'"))))`,
      name,
    );
    expect(viaPy).toEqual(['1', '2']);
    await client.registeredModels.delete(name);
    expect(await client.registeredModels.get(name)).toBeUndefined();
  });
});

describe('health', () => {
  it('is true for the server and false for a closed port', async () => {
    expect(await client.health()).toBe(true);
    expect(await createMlflowClient({ trackingUri: `http://127.0.0.1:${await closedPort()}`, env: {} }).health()).toBe(false);
  });
});
