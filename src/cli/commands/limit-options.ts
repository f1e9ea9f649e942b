// The GitLab limit flags shared by `dap generate` and `dap lint` (defaults: GitLab.com's).

import { InvalidArgumentError, type Command } from 'commander';
import type { Limits } from '../../core/pipeline/types.js';

import { LIMIT_FLAGS } from '../../core/pipeline/limits.js';

const DESCRIPTIONS: Record<keyof Limits, string> = {
  matrixJobs: 'jobs per parallel:matrix (GitLab: 200)',
  childYamlBytes: 'bytes per pipeline YAML file (default 5 MiB)',
  hierarchyJobs: 'jobs per pipeline hierarchy (GitLab.com: 1000; raise for self-managed)',
  needs: "entries in one job's needs (GitLab: 50)",
};

const positiveInt = (v: string): string => {
  if (!/^[1-9]\d*$/.test(v)) throw new InvalidArgumentError('must be a positive integer');
  return v;
};

export function limitOptions(cmd: Command): Command {
  for (const [key, flag] of Object.entries(LIMIT_FLAGS) as Array<[keyof Limits, string]>) cmd.option(`${flag} <n>`, DESCRIPTIONS[key], positiveInt);
  return cmd;
}

export function parseLimits(opts: Record<string, unknown>): Partial<Limits> {
  const limits: Partial<Limits> = {};
  for (const [key, flag] of Object.entries(LIMIT_FLAGS) as Array<[keyof Limits, string]>) {
    const opt = flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (typeof opts[opt] === 'string') limits[key] = Number(opts[opt]);
  }
  return limits;
}
