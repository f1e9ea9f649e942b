import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import { DapError, ProblemsError } from '../../errors.js';
import { bundledEnvironmentsDir, findProjectRoot, projectLayout, schemasDir } from '../../paths.js';
import { parseEnvironment } from '../../core/env/validate.js';
import { resolveEnvironment } from '../../core/env/types.js';
import type { ResolvedEnvironment } from '../../core/env/types.js';
import { slug } from '../../core/env/naming.js';
import type { RegistryAuth } from '../../adapters/docker/engine.js';

// Where environments live, how they load, and which registry/project names apply.

export interface EnvProject {
  root: string;
  name: string;
  environmentsDir: string;
  stateDir: string;
  /** `<registry>/<project>`: images are `<registryImage>/env-<name>:<hash>` */
  registryImage: string;
  registry: string;
}

export function findProject(cwd = process.cwd()): EnvProject {
  const root = findProjectRoot(cwd);
  const layout = projectLayout(root);
  const name = slug(process.env.DAP_PROJECT ?? path.basename(root));
  const registryImage = (process.env.DAP_REGISTRY_IMAGE ?? process.env.CI_REGISTRY_IMAGE
    ?? `${process.env.DAP_REGISTRY ?? '127.0.0.1:55001'}/${name}`).replace(/\/+$/, '');
  return {
    root, name, environmentsDir: layout.environmentsDir, stateDir: layout.stateDir,
    registryImage, registry: registryImage.split('/')[0]!,
  };
}

export function registryAuth(registry: string): RegistryAuth | undefined {
  const username = process.env.DAP_REGISTRY_USER ?? process.env.CI_REGISTRY_USER;
  const password = process.env.DAP_REGISTRY_PASSWORD ?? process.env.CI_REGISTRY_PASSWORD;
  return username && password ? { username, password, serveraddress: registry } : undefined;
}

export interface LoadedEnvironment {
  env: ResolvedEnvironment;
  dir: string;
  /** files of the environment directory (posix paths relative to dir) */
  files: string[];
  /** kind 'dockerfile': the user's Dockerfile */
  userDockerfile?: string;
}

async function candidates(project: EnvProject): Promise<string[]> {
  const out = new Set<string>();
  for (const base of [project.environmentsDir, bundledEnvironmentsDir]) {
    for (const e of await fs.readdir(base, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory() && (existsSync(path.join(base, e.name, 'environment.yaml')) || existsSync(path.join(base, e.name, 'Dockerfile')))) out.add(e.name);
    }
  }
  return [...out].sort();
}

export async function listEnvironmentNames(project: EnvProject): Promise<string[]> {
  return candidates(project);
}

/** Environments that come with dap (environments/base, environments/python of the package) and the project does not override. */
export function isBuiltinEnvironment(project: EnvProject, name: string): boolean {
  const has = (base: string) => existsSync(path.join(base, name, 'environment.yaml')) || existsSync(path.join(base, name, 'Dockerfile'));
  return path.resolve(project.environmentsDir) !== path.resolve(bundledEnvironmentsDir) && !has(project.environmentsDir) && has(bundledEnvironmentsDir);
}

export async function loadEnvironment(project: EnvProject, name: string): Promise<LoadedEnvironment> {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) throw new DapError(`"${name}" is not an environment name (lower case letters, digits, . _ -)`);
  const dir = [path.join(project.environmentsDir, name), path.join(bundledEnvironmentsDir, name)].find((d) =>
    existsSync(path.join(d, 'environment.yaml')) || existsSync(path.join(d, 'Dockerfile')));
  if (!dir) {
    const known = await candidates(project);
    throw new DapError(`unknown environment "${name}"`, {
      hint: known.length ? `known environments: ${known.map((k) => (isBuiltinEnvironment(project, k) ? `${k} (built into dap)` : k)).join(', ')} (the project's own are directories under environments/ with an environment.yaml or a Dockerfile)` : 'create environments/NAME/environment.yaml',
    });
  }
  const files = await listFiles(dir);
  const yamlFile = path.join(dir, 'environment.yaml');
  if (existsSync(yamlFile)) {
    const source = await fs.readFile(yamlFile, 'utf8');
    const schema = JSON.parse(await fs.readFile(path.join(schemasDir, 'environment.schema.json'), 'utf8')) as object;
    const shown = path.relative(process.cwd(), yamlFile) || yamlFile;
    const res = parseEnvironment({ name, file: shown, source, schema, files });
    if (!res.ok) throw new ProblemsError(res.problems, `environment ${name}: invalid environment.yaml`);
    return { env: res.env, dir, files };
  }
  const userDockerfile = await fs.readFile(path.join(dir, 'Dockerfile'), 'utf8');
  return { env: { ...resolveEnvironment(name, {}), kind: 'dockerfile', description: `environments/${name}/Dockerfile` }, dir, files, userDockerfile };
}

async function listFiles(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.name === '.dap' && !rel) continue;
    if (e.isDirectory()) out.push(...await listFiles(dir, p));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}
