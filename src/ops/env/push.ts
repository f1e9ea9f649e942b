import { promises as fs } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { DapError } from '../../errors.js';
import { parseImageRef } from '../../core/env/image-ref.js';
import { updateImagesLock } from '../../core/env/naming.js';
import type { ImagesLockFile } from '../../core/env/naming.js';
import { buildEnvironment } from './build.js';
import type { EnvDeps } from './deps.js';
import { registryAuth } from './project.js';
import { progressPrinter } from './progress.js';

// `dap env push NAME`: build if needed, push `<repo>:<hash>` (and `:latest`) with registry auth,
// then record the pushed digest in environments/images.lock.json, which the pipeline generator
// reads to run jobs on the image by digest.

export interface PushOutcome { name: string; image: string; digest: string; ref: string; lockFile: string }

export async function pushEnvironment(c: EnvDeps, name: string): Promise<PushOutcome> {
  const built = await buildEnvironment({ ...c, registryCheck: false }, name);
  const auth = registryAuth(c.project.registry, c.env);
  const printer = progressPrinter(c.log, c.verbose ?? false);
  c.log.write(`pushing ${built.image}${auth ? ` as ${auth.username}` : ' (no credentials: set DAP_REGISTRY_USER/DAP_REGISTRY_PASSWORD)'}\n`);
  const st = await c.engine.push(built.image, auth, printer);
  if (st.error || !st.digest) {
    const denied = /unauthorized|authentication required|denied|no basic auth/i.test(st.error ?? '');
    throw new DapError(`push of ${built.image} failed: ${st.error ?? 'the registry returned no digest'}`, {
      hint: denied ? 'set DAP_REGISTRY_USER/DAP_REGISTRY_PASSWORD (CI: CI_REGISTRY_USER/CI_REGISTRY_PASSWORD)' : `is the registry ${c.project.registry} up? (scripts/registry.sh up)`,
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
