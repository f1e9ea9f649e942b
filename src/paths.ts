import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';

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

/**
 * The project a command works on: the nearest directory, from `start` upwards, that holds
 * experiments/, environments/ or .git. Every command resolves its root through this, so dap
 * behaves the same from any subdirectory. Nothing found: `start` itself.
 */
export function findProjectRoot(start: string = process.cwd()): string {
  const from = path.resolve(start);
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (PROJECT_MARKERS.some((m) => existsSync(path.join(dir, m)))) return dir;
    if (path.dirname(dir) === dir) return from;
  }
}

const PROJECT_MARKERS = ['experiments', 'environments', '.git'];

/** `--root DIR` as given (relative to the working directory), else the project around it. */
export function resolveRoot(flag: string | undefined, cwd: string = process.cwd()): string {
  return flag === undefined ? findProjectRoot(cwd) : path.resolve(cwd, flag);
}

/** dap's per-user cache (compiled schemas, the images' CLI layer): $DAP_CACHE, else ~/.cache/dap. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DAP_CACHE || path.join(env.HOME || os.homedir(), '.cache', 'dap');
}
