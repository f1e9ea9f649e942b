// The command-line flags that raise GitLab's limits; generated pipelines repeat non-default ones
// so dap_check and dap_generate in CI compute exactly what the user generated locally.

import type { Limits } from './types.js';

export const LIMIT_FLAGS: Record<keyof Limits, string> = {
  matrixJobs: '--max-matrix-jobs',
  childYamlBytes: '--max-child-bytes',
  hierarchyJobs: '--max-jobs',
  needs: '--max-needs',
};

export function limitArgs(limits: Partial<Limits>): string[] {
  const out: string[] = [];
  for (const [key, flag] of Object.entries(LIMIT_FLAGS) as Array<[keyof Limits, string]>) {
    if (limits[key] !== undefined) out.push(flag, String(limits[key]));
  }
  return out;
}
