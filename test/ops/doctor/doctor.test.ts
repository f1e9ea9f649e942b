// dap doctor against real services of its own (a dedicated Postgres + MinIO + MLflow stack, a real
// docker-registry, this machine's sshd as a host, an HTTPS endpoint) and the fake GitLab: all green,
// then each service stopped in turn — exactly its checks fail, with a hint that says what to do,
// and everything else still passes.

import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../src/core/doctor/model.js';
import { dap, tmpDir } from '../../tracking/helpers.js';
import { startDoctorWorld, type DoctorWorld } from '../support/doctor-world.js';

interface DoctorJson { results: CheckResult[]; summary: Record<string, number>; exitCode: number }

let world: DoctorWorld;
let cwd: string;

async function doctor(extra: Record<string, string> = {}, args: string[] = []) {
  const r = await dap(['doctor', '--json', '--timeout', '15', ...args], { cwd, env: { ...world.env, ...extra } });
  expect(r.stdout, r.stderr).not.toBe('');
  return { code: r.code, json: JSON.parse(r.stdout) as DoctorJson, stderr: r.stderr };
}

const by = (j: DoctorJson, result: string) => j.results.filter((r) => r.result === result).map((r) => r.check).sort();

const ALL = [
  'gitlab.ci', 'gitlab.project', 'gitlab.reachable', 'gitlab.registry', 'gitlab.token', 'host.clock', 'host.disk', 'host.docker',
  'host.inodes', 'host.ssh', 'local.journal', 'mlflow.artifacts', 'mlflow.credentials', 'mlflow.database', 'mlflow.metrics',
  'mlflow.reachable', 'mlflow.version', 'runners', 'tls',
];

beforeAll(async () => {
  world = await startDoctorWorld();
  cwd = tmpDir('doctor');
}, 400_000);
afterAll(async () => {
  await world?.destroy();
  if (cwd) fs.rmSync(cwd, { recursive: true, force: true });
}, 120_000);

describe('dap doctor', () => {
  it('all green against the real services: exit 0, every check passes', async () => {
    const { code, json } = await doctor();
    expect(json.results.filter((r) => r.result !== 'pass'), JSON.stringify(json.results, null, 1)).toEqual([]);
    expect(json.results.map((r) => r.check).sort()).toEqual(ALL);
    expect(code).toBe(0);
    const detail = (c: string) => json.results.find((r) => r.check === c)!.detail;
    expect(detail('mlflow.version')).toMatch(/^MLflow \d+\.\d+/);
    expect(detail('gitlab.token')).toContain('scopes api');
    expect(detail('tls')).toMatch(/^(89|90) days left/);
    expect(detail('runners')).toMatch(/dap\/gpu1: online/);
    expect(detail('host.docker')).toMatch(/^Docker \d+/);
  }, 120_000);

  const cases: Array<{ name: string; part: () => { stop(): Promise<void>; start(): Promise<void> }; fails: string[]; skipped?: string[]; hint: RegExp }> = [
    { name: 'MinIO', part: () => svc('minio'), fails: ['mlflow.artifacts'], hint: /MinIO|artifact store/ },
    { name: 'Postgres', part: () => svc('pg'), fails: ['mlflow.database'], skipped: ['mlflow.artifacts', 'mlflow.credentials', 'mlflow.metrics'], hint: /Postgres|database/ },
    { name: 'MLflow', part: () => svc('mlflow'), fails: ['mlflow.reachable'], skipped: ['mlflow.artifacts', 'mlflow.credentials', 'mlflow.database', 'mlflow.metrics', 'mlflow.version'], hint: /server up|services\.sh/ },
    { name: 'the container registry', part: () => world.registry, fails: ['gitlab.registry'], hint: /registry/ },
    { name: 'sshd on the host', part: () => world.sshd, fails: ['host.ssh'], skipped: ['host.clock', 'host.disk', 'host.docker', 'host.inodes'], hint: /sshd|host up/ },
    { name: 'the HTTPS endpoint', part: () => world.tls, fails: ['tls'], hint: /up\?/ },
    { name: 'GitLab', part: () => world.gitlab, fails: ['gitlab.reachable'], skipped: ['gitlab.ci', 'gitlab.project', 'gitlab.registry', 'gitlab.token', 'runners'], hint: /GitLab URL|GitLab up/ },
  ];
  const svc = (name: string) => ({ stop: () => world.stack.services(`stop-${name}`).then(() => undefined), start: () => world.stack.services(`start-${name}`).then(() => undefined) });

  for (const c of cases) {
    it(`${c.name} down: exactly ${c.fails.join(', ')} fails, with a hint`, async () => {
      const part = c.part();
      await part.stop();
      try {
        const { code, json } = await doctor();
        expect(code).toBe(1);
        expect(by(json, 'fail'), JSON.stringify(json.results, null, 1)).toEqual(c.fails);
        expect(by(json, 'skip')).toEqual(c.skipped ?? []);
        for (const f of json.results.filter((r) => r.result === 'fail')) expect(f.hint ?? '', f.check).toMatch(c.hint);
      } finally {
        await part.start();
      }
    }, 180_000);
  }

  it('every service back: all green again', async () => {
    const { code, json } = await doctor();
    expect(json.results.filter((r) => r.result !== 'pass'), JSON.stringify(json.results, null, 1)).toEqual([]);
    expect(code).toBe(0);
  }, 120_000);

  it('runners: an offline runner fails, an orphan warns; a wrong token fails the token check with a hint', async () => {
    world.gitlab.state.runners[0]!.contacted_at = new Date(Date.now() - 3600_000).toISOString();
    world.gitlab.state.runners.push({ id: 12, description: 'old-box', contacted_at: null });
    try {
      const { json } = await doctor({}, ['--only', 'gitlab,runners']);
      const runners = json.results.find((r) => r.check === 'runners')!;
      expect(runners.result).toBe('fail');
      expect(runners.detail).toMatch(/dap\/gpu1: offline \(last contact 60 min ago\)/);
      expect(runners.detail).toMatch(/orphaned .*old-box/);
    } finally {
      world.gitlab.state.runners.splice(1);
      world.gitlab.state.runners[0]!.contacted_at = new Date().toISOString();
    }
    const { code, json } = await doctor({ GITLAB_TOKEN: 'glpat-wrong' }, ['--only', 'gitlab']);
    expect(code).toBe(1);
    const token = json.results.find((r) => r.check === 'gitlab.token')!;
    expect(token.result).toBe('fail');
    expect(token.detail).toMatch(/refused the token.*401/);
    expect(token.hint).toMatch(/GITLAB_TOKEN/);
  }, 120_000);

  it('the table: one row per check with hints, and a summary', async () => {
    await world.tls.stop();
    try {
      const r = await dap(['doctor', '--only', 'tls,local'], { cwd, env: world.env });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^check\s+target\s+result\s+detail\s+hint$/m);
      expect(r.stdout).toMatch(/^tls\s+127\.0\.0\.1:\d+\s+FAIL\s+cannot connect \(ECONNREFUSED\)\s+is the service/m);
      expect(r.stdout).toContain('1 passed, 0 warned, 1 failed, 0 skipped');
    } finally {
      await world.tls.start();
    }
  }, 60_000);
});
