import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import { DapError, ProblemsError } from '../../errors.js';
import { bundledEnvironmentsDir, findProjectRoot, projectLayout, schemasDir } from '../../paths.js';
import { parseEnvironment } from '../../core/env/validate.js';
import { resolveEnvironment } from '../../core/env/types.js';
import type { ResolvedEnvironment } from '../../core/env/types.js';
import { slug } from '../../core/env/naming.js';
import { environmentSources, projectEnvironments } from '../load-specs.js';
import type { RegistryAuth } from '../../adapters/docker/engine.js';

// Where environments live, how they load, and which registry/project names apply.

export interface EnvProject {
  root: string;
  name: string;
  environmentsDir: string;
  /** `<registry>/<project>`: images are `<registryImage>/env-<name>:<hash>` */
  registryImage: string;
  registry: string;
}

export function findProject(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): EnvProject {
  const root = findProjectRoot(cwd);
  const layout = projectLayout(root);
  const name = slug(env.DAP_PROJECT ?? path.basename(root));
  const registryImage = (env.DAP_REGISTRY_IMAGE ?? env.CI_REGISTRY_IMAGE
    ?? `${env.DAP_REGISTRY ?? '127.0.0.1:55001'}/${name}`).replace(/\/+$/, '');
  return {
    root, name, environmentsDir: layout.environmentsDir,
    registryImage, registry: registryImage.split('/')[0]!,
  };
}

/** The registry login: DAP_REGISTRY_USER/DAP_REGISTRY_PASSWORD, in CI GitLab's CI_REGISTRY_USER/CI_REGISTRY_PASSWORD. */
export function registryAuth(registry: string, env: NodeJS.ProcessEnv): RegistryAuth | undefined {
  const username = env.DAP_REGISTRY_USER ?? env.CI_REGISTRY_USER;
  const password = env.DAP_REGISTRY_PASSWORD ?? env.CI_REGISTRY_PASSWORD;
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

/** The project's environments and dap's bundled ones: the same list the spec validator accepts. */
export async function listEnvironmentNames(project: EnvProject): Promise<string[]> {
  return projectEnvironments(project.root);
}

export async function loadEnvironment(project: EnvProject, name: string): Promise<LoadedEnvironment> {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) throw new DapError(`"${name}" is not an environment name (lower case letters, digits, . _ -)`);
  const dir = [path.join(project.environmentsDir, name), path.join(bundledEnvironmentsDir, name)].find((d) =>
    existsSync(path.join(d, 'environment.yaml')) || existsSync(path.join(d, 'Dockerfile')));
  if (!dir) {
    const known = await listEnvironmentNames(project);
    const { builtin } = await environmentSources(project.root);
    throw new DapError(`unknown environment "${name}"`, {
      hint: known.length ? `known environments: ${known.map((k) => (builtin.includes(k) ? `${k} (built into dap)` : k)).join(', ')} (the project's own are directories under environments/ with an environment.yaml or a Dockerfile)` : 'create environments/NAME/environment.yaml',
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
