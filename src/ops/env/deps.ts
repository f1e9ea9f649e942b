import { DockerEngine } from '../../adapters/docker/engine.js';
import { findProject } from './project.js';
import type { EnvProject } from './project.js';
import type { ProgressStream } from '../progress.js';

// What every `dap env` operation works with, passed in rather than read from globals: the engine,
// the project, where progress goes, and the environment variables (process.env at the CLI, a
// fixture in tests), like `dap track` and `dap sync` take theirs.

export interface EnvDeps {
  engine: DockerEngine;
  project: EnvProject;
  /** progress and notes (stderr) */
  log: ProgressStream;
  /** registry and credentials, HOME (ssh files, dev-container state), DAP_CACHE, DAP_BUILD_CA_CERTS ... */
  env: NodeJS.ProcessEnv;
  verbose?: boolean;
  /** consult the registry before building (default true) */
  registryCheck?: boolean;
}

export function envDeps(opts: { cwd?: string; dockerHost?: string; log?: ProgressStream; verbose?: boolean; engine?: DockerEngine; env?: NodeJS.ProcessEnv }): EnvDeps {
  const env = opts.env ?? process.env;
  return {
    engine: opts.engine ?? new DockerEngine({ host: opts.dockerHost, env }),
    project: findProject(opts.cwd, env),
    log: opts.log ?? process.stderr,
    env,
    verbose: opts.verbose,
  };
}
