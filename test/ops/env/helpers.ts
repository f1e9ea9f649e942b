import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DockerEngine } from '../../../src/adapters/docker/engine.js';
import type { EnvDeps } from '../../../src/ops/env/deps.js';
import { findProject } from '../../../src/ops/env/project.js';
import { listContainers } from '../../../src/adapters/docker/containers.js';

// Shared setup for the environment tests: a real engine (scripts/docker.sh up), the debootstrap
// base image (scripts/docker.sh base-image), a temp HOME with its own SSH key, and a temp project
// whose environments/ holds copies of the shipped ones plus test-only ones.

import { repoRoot } from '../../support/repo.js';

export { repoRoot };
export const realCache = process.env.DAP_CACHE ?? path.join(os.homedir(), '.cache', 'dap');
/** The project the tests' containers, volumes and images are named after; DAP_TEST_PROJECT keeps parallel runs apart. */
export const TEST_PROJECT = process.env.DAP_TEST_PROJECT ?? 'daptest';

/** Counts build and push calls: a no-op `dap env build` makes no build, a push without a login no upload. */
export class CountingEngine extends DockerEngine {
  builds = 0;
  pushes = 0;
  override build(...args: Parameters<DockerEngine['build']>): ReturnType<DockerEngine['build']> {
    this.builds++;
    return super.build(...args);
  }
  override push(...args: Parameters<DockerEngine['push']>): ReturnType<DockerEngine['push']> {
    this.pushes++;
    return super.push(...args);
  }
}

export async function requireEngine(): Promise<void> {
  try {
    await new DockerEngine().docker.ping();
  } catch {
    throw new Error('Docker engine not running on /var/run/docker.sock: run `scripts/docker.sh up` (make test does)');
  }
  if (!(await new DockerEngine().inspectImage('local/debian:bookworm'))) {
    throw new Error('base image local/debian:bookworm missing: run `scripts/docker.sh base-image` (make test does)');
  }
}

/** Machines behind a TLS-intercepting proxy: let pip in builds trust the host's extra CAs. */
export function extraCas(): string | undefined {
  if (process.env.DAP_BUILD_CA_CERTS !== undefined) return process.env.DAP_BUILD_CA_CERTS;
  const dir = '/usr/local/share/ca-certificates';
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir).filter((f) => f.endsWith('.crt')).sort().map((f) => path.join(dir, f));
  return files.length ? files.join(':') : undefined;
}

export interface Sandbox {
  home: string;
  project: string;
  env: NodeJS.ProcessEnv;
  cleanup: () => Promise<void>;
}

/** Temp HOME (+ ed25519 key) and temp project, and the environment variables pointing at them (process.env is left alone: ops get `env` injected). */
export async function sandbox(opts: { key?: boolean } = {}): Promise<Sandbox> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'dap-env-test-'));
  const home = path.join(base, 'home');
  const project = path.join(base, TEST_PROJECT);
  await fs.mkdir(path.join(home, '.ssh'), { recursive: true, mode: 0o700 });
  if (opts.key !== false) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(home, '.ssh', 'id_ed25519')]);
  await fs.cp(path.join(repoRoot, 'environments'), path.join(project, 'environments'), { recursive: true, filter: (s) => !s.endsWith('images.lock.json') });
  // a snapshot of dap for the images' CLI layer: other builds of dist/ during the run must not
  // change the images' content hash under the tests' feet
  const cli = path.join(base, 'dap-cli');
  for (const part of ['package.json', 'package-lock.json', 'dist', 'schemas']) {
    await fs.cp(path.join(repoRoot, part), path.join(cli, part), { recursive: true, filter: (s) => !s.endsWith('.map') });
  }
  const ca = extraCas();
  const env: NodeJS.ProcessEnv = {
    ...process.env, HOME: home, DAP_CACHE: realCache, DAP_PROJECT: TEST_PROJECT, XDG_STATE_HOME: path.join(home, '.local', 'state'), DAP_CLI_SOURCE: cli,
    ...(ca ? { DAP_BUILD_CA_CERTS: ca } : {}),
  };
  delete env.DOCKER_HOST;
  delete env.DAP_REGISTRY_USER; delete env.DAP_REGISTRY_PASSWORD; delete env.CI_REGISTRY_USER; delete env.CI_REGISTRY_PASSWORD;
  delete env.DAP_REGISTRY_IMAGE; delete env.CI_REGISTRY_IMAGE;
  return {
    home, project, env,
    cleanup: async () => {
      await fs.rm(base, { recursive: true, force: true });
    },
  };
}

export async function addEnvironment(sb: Sandbox, name: string, yaml: string, files: Record<string, string> = {}): Promise<void> {
  const dir = path.join(sb.project, 'environments', name);
  await fs.mkdir(dir, { recursive: true });
  if (yaml) await fs.writeFile(path.join(dir, 'environment.yaml'), yaml);
  for (const [f, text] of Object.entries(files)) await fs.writeFile(path.join(dir, f), text);
}

/** What the env ops get in the tests: the sandbox's variables (plus `extra`), a counting engine. */
export function opsContext(sb: Sandbox, engine = new CountingEngine(), extra: NodeJS.ProcessEnv = {}): EnvDeps & { engine: CountingEngine } {
  const lines: string[] = [];
  const env = { ...sb.env, ...extra };
  return {
    engine, project: findProject(sb.project, env), env,
    log: { write: (s: string) => { lines.push(s); return true; } },
  };
}

/** Containers this test project left behind (must be none after a failed `up`). */
export async function projectContainers(): Promise<string[]> {
  return (await listContainers(new DockerEngine(), { 'dap.project': TEST_PROJECT })).map((c) => c.name);
}

export async function removeProjectContainers(opts: { volumes?: boolean } = {}): Promise<void> {
  const engine = new DockerEngine();
  for (const c of await listContainers(engine, { 'dap.project': TEST_PROJECT })) await engine.docker.getContainer(c.id).remove({ force: true });
  if (!opts.volumes) return;
  const { Volumes } = await engine.docker.listVolumes({ filters: JSON.stringify({ label: [`dap.project=${TEST_PROJECT}`] }) });
  for (const v of Volumes ?? []) await engine.docker.getVolume(v.Name).remove().catch(() => {});
}

/** Credentials of the local registry (scripts/registry.sh keeps them under $DAP_CACHE/registry). */
export function registryCredentials(): { user: string; password: string } {
  const file = path.join(realCache, 'registry', 'password');
  if (!existsSync(file)) throw new Error(`no registry credentials at ${file}: run \`scripts/registry.sh up\` (make test does)`);
  return { user: 'dap', password: readFileSync(file, 'utf8').trim() };
}

export async function requireRegistry(): Promise<void> {
  try {
    const res = await fetch('http://127.0.0.1:55001/v2/', { signal: AbortSignal.timeout(3000) });
    if (res.status !== 401) throw new Error(`answered ${res.status}, expected 401 (htpasswd auth)`);
  } catch (err) {
    throw new Error(`registry on 127.0.0.1:55001 not usable (${(err as Error).message}): run \`scripts/registry.sh up\` (make test does)`);
  }
}

export function dapCli(args: string[], env: NodeJS.ProcessEnv, cwd: string): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, [path.join(repoRoot, 'dist/cli/bin.js'), ...args], { env, cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}
