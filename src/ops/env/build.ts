import { DapError } from '../../errors.js';
import { manifestExists } from '../../adapters/docker/registry-api.js';
import { imageRepository } from '../../core/env/naming.js';
import { DEFAULT_BASE_IMAGE } from '../../core/env/types.js';
import type { ResolvedEnvironment } from '../../core/env/types.js';
import { DOCKERFILE_PATH } from '../../core/env/dockerfile.js';
import { contextTarStream, describeBuildContext } from './context.js';
import type { BuildContext } from './context.js';
import type { EnvDeps } from './deps.js';
import { loadEnvironment, registryAuth } from './project.js';
import type { LoadedEnvironment } from './project.js';
import { buildProgress } from './progress.js';

// `dap env build NAME`: content-hash tag; no build call when that tag exists locally or in the
// registry; otherwise a dockerode build with progress, and a failed step reported with its log.

export interface BuildOutcome {
  name: string;
  image: string;
  hash: string;
  /** `local`: already built here; `registry`: already pushed; `built`: built now */
  source: 'local' | 'registry' | 'built';
  env: ResolvedEnvironment;
}

export async function imageFor(c: EnvDeps, name: string): Promise<{ loaded: LoadedEnvironment; image: string; hash: string; buildContext: BuildContext }> {
  const loaded = await loadEnvironment(c.project, name);
  const buildContext = await describeBuildContext(loaded, c.env);
  return { loaded, image: `${imageRepository(c.project.registryImage, name)}:${buildContext.hash}`, hash: buildContext.hash, buildContext };
}

export async function buildEnvironment(c: EnvDeps, name: string): Promise<BuildOutcome> {
  const { loaded, image, hash, buildContext } = await imageFor(c, name);
  await c.engine.ping();
  if (await c.engine.inspectImage(image)) return { name, image, hash, source: 'local', env: loaded.env };
  if (c.registryCheck !== false) {
    const remote = await manifestExists(image, registryAuth(c.project.registry, c.env), { env: c.env });
    if (remote.found) return { name, image, hash, source: 'registry', env: loaded.env };
    if (remote.reason !== 'absent') c.log.write(`note: ${remote.detail}; building locally\n`);
  }
  if (loaded.env.kind === 'yaml') await ensureBaseImage(c, loaded.env.base);
  c.log.write(`building ${image}\n`);
  const { stream, cleanup } = await contextTarStream(buildContext, c.env);
  const progress = buildProgress(c.log, c.verbose ?? false);
  try {
    const state = await c.engine.build(stream, {
      tag: image, dockerfile: DOCKERFILE_PATH, labels: { 'dap.environment': name, 'dap.hash': hash },
    }, progress.onEvent).finally(() => progress.end());
    if (state.error) {
      const tail = state.tail.length ? `\n--- last lines of the step ---\n${state.tail.join('\n')}\n---` : '';
      const tls = /CERTIFICATE_VERIFY_FAILED|self[- ]signed certificate/i.test(state.tail.join('\n'));
      throw new DapError(`build of environment ${name} failed at ${state.step ?? 'the first step'}: ${state.error.trim()}${tail}`, {
        hint: tls
          ? 'TLS to the package index failed inside the build: behind a TLS-intercepting proxy, set DAP_BUILD_CA_CERTS=/path/to/proxy-ca.crt (colon-separated list) so pip trusts it'
          : `fix environments/${name}/ and run \`dap env build ${name}\` again; \`dap env render ${name}\` shows the Dockerfile`,
      });
    }
  } finally {
    await cleanup();
  }
  if (!(await c.engine.inspectImage(image))) throw new DapError(`the engine reported success but ${image} does not exist`);
  return { name, image, hash, source: 'built', env: loaded.env };
}

async function ensureBaseImage(c: EnvDeps, base: string): Promise<void> {
  if (await c.engine.inspectImage(base)) return;
  const hint = base === DEFAULT_BASE_IMAGE
    ? 'build it once with `scripts/docker.sh base-image` (debootstrap + docker import)'
    : `pull or build ${base} first (docker pull ${base}), or change base: in environment.yaml`;
  // local/... images exist only where they were imported: do not ask a registry for them
  if (!base.startsWith('local/')) {
    c.log.write(`pulling base image ${base}\n`);
    try {
      const st = await c.engine.pull(base, undefined);
      if (!st.error && (await c.engine.inspectImage(base))) return;
    } catch { /* reported below */ }
  }
  throw new DapError(`base image ${base} is not available on the Docker engine (not present and not pullable)`, { hint });
}
