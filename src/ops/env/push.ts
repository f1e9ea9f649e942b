import { promises as fs } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { DapError, UnavailableError } from '../../errors.js';
import { checkRegistryLogin } from '../../adapters/docker/registry-api.js';
import { parseImageRef } from '../../core/env/image-ref.js';
import { imageRepository, updateImagesLock } from '../../core/env/naming.js';
import type { ImagesLockFile } from '../../core/env/naming.js';
import { buildEnvironment } from './build.js';
import type { EnvDeps } from './deps.js';
import { loadEnvironment, registryAuth } from './project.js';
import type { RegistryAuth } from '../../adapters/docker/engine.js';
import { buildProgress } from './progress.js';

// `dap env push NAME`: check the registry login, build if needed, push `<repo>:<hash>` (and
// `:latest`), then record the pushed digest in environments/images.lock.json, which the pipeline
// generator reads to run jobs on the image by digest.

export interface PushOutcome { name: string; image: string; digest: string; ref: string; lockFile: string }

const LOGIN_VARIABLES = 'set DAP_REGISTRY_USER and DAP_REGISTRY_PASSWORD (in GitLab CI, CI_REGISTRY_USER/CI_REGISTRY_PASSWORD are used when set)';

/** Before any build or upload: does the registry take our login (or need none)? */
async function assertCanPush(c: EnvDeps, name: string, auth: RegistryAuth | undefined): Promise<void> {
  const { project } = c;
  const repository = parseImageRef(imageRepository(project.registryImage, name)).repository;
  const login = await checkRegistryLogin(project.registry, repository, auth, { env: c.env });
  if (login.ok) return;
  if (login.reason === 'unreachable') {
    throw new UnavailableError(`cannot push environment ${name}: ${login.detail}`, `is the registry ${project.registry} up? (locally: scripts/registry.sh up); DAP_REGISTRY_IMAGE / DAP_REGISTRY choose another`);
  }
  throw new DapError(`cannot push environment ${name}: ${login.detail}; nothing was uploaded`, {
    hint: login.reason === 'missing' ? LOGIN_VARIABLES : `check DAP_REGISTRY_USER/DAP_REGISTRY_PASSWORD (the login needs push rights on ${repository})`,
  });
}

export async function pushEnvironment(c: EnvDeps, name: string): Promise<PushOutcome> {
  await loadEnvironment(c.project, name); // an unknown or invalid environment: say so first
  const auth = registryAuth(c.project.registry, c.env);
  await assertCanPush(c, name, auth);
  const built = await buildEnvironment({ ...c, registryCheck: false }, name);
  c.log.write(`pushing ${built.image}${auth ? ` as ${auth.username}` : ''}\n`);
  const progress = buildProgress(c.log, c.verbose ?? false);
  const st = await c.engine.push(built.image, auth, progress.onEvent).finally(() => progress.end());
  if (st.error || !st.digest) {
    const denied = /unauthorized|authentication required|denied|no basic auth/i.test(st.error ?? '');
    throw new DapError(`push of ${built.image} failed: ${st.error ?? 'the registry returned no digest'}`, {
      hint: denied ? LOGIN_VARIABLES : `is the registry ${c.project.registry} up? (scripts/registry.sh up)`,
    });
  }
  const latest = `${parseImageRef(built.image).name}:latest`;
  await c.engine.tag(built.image, latest);
  await c.engine.push(latest, auth, () => {});
  const lockFile = path.join(c.project.environmentsDir, 'images.lock.json');
  let current: ImagesLockFile = {};
  try { current = JSON.parse(await fs.readFile(lockFile, 'utf8')) as ImagesLockFile; } catch { /* first push */ }
  const next = updateImagesLock(current, name, built.image, st.digest);
  await fs.mkdir(path.dirname(lockFile), { recursive: true });
  await writeFileAtomic(lockFile, JSON.stringify(next, null, 2) + '\n');
  const entry = next[name]!;
  return { name, image: entry.image, digest: entry.digest, ref: entry.ref, lockFile };
}
