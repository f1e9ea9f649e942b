import fs from 'node:fs';
import path from 'node:path';
import { tryLockFile, type Lock } from '../tracking/lock.js';

// sweep.max_parallel in `dap run --local`. gitlab-ci-local ignores resource_group, so each
// `dap track` of a capped experiment takes one of N slot locks (a file per slot, owned by its pid)
// before the command starts and waits while all are taken. A job that dies leaves a lock whose
// pid is gone: the next one takes it over.

/** the directory holding this local pipeline's slot locks */
export const SLOTS_ENV = 'DAP_LOCAL_SLOTS_DIR';
/** JSON {experiment: max_parallel} */
export const CAPS_ENV = 'DAP_LOCAL_MAX_PARALLEL';

export function slotCap(env: NodeJS.ProcessEnv, experiment: string | undefined): number | undefined {
  if (!experiment || !env[SLOTS_ENV] || !env[CAPS_ENV]) return undefined;
  try {
    const caps = JSON.parse(env[CAPS_ENV]!) as Record<string, unknown>;
    const n = caps[experiment];
    return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Waits for a free slot of `experiment`; undefined when it is not capped. */
export async function acquireSlot(env: NodeJS.ProcessEnv, experiment: string | undefined, pollMs = 200): Promise<Lock | undefined> {
  const cap = slotCap(env, experiment);
  if (cap === undefined) return undefined;
  const dir = path.resolve(env[SLOTS_ENV]!);
  fs.mkdirSync(dir, { recursive: true });
  const safe = experiment!.replace(/[^A-Za-z0-9._-]/g, '_');
  for (;;) {
    for (let i = 1; i <= cap; i++) {
      const lock = tryLockFile(path.join(dir, `${safe}.${i}.lock`));
      if (lock) return lock;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
