import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';

// src/paths.ts and dist/paths.js both sit one level below the package root.
export const packageRoot = fileURLToPath(new URL('..', import.meta.url));
export const schemasDir = path.join(packageRoot, 'schemas');
export const bundledEnvironmentsDir = path.join(packageRoot, 'environments');

/** The directory layout of a dap project (a git checkout with experiments/ and environments/). */
export interface ProjectLayout {
  root: string;
  experimentsDir: string;
  environmentsDir: string;
  /** `<root>/.dap`: journals, local-run state. Never committed. */
  dotDap: string;
}

export function projectLayout(root: string): ProjectLayout {
  return {
    root,
    experimentsDir: path.join(root, 'experiments'),
    environmentsDir: path.join(root, 'environments'),
    dotDap: path.join(root, '.dap'),
  };
}

/** dap's per-user cache (compiled schemas, the images' CLI layer): $DAP_CACHE, else ~/.cache/dap. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DAP_CACHE || path.join(env.HOME || os.homedir(), '.cache', 'dap');
}
