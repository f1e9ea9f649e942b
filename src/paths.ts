import { fileURLToPath } from 'node:url';
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
  /** local state: journals, local-run state, caches. Never committed. */
  stateDir: string;
}

export function projectLayout(root: string): ProjectLayout {
  return {
    root,
    experimentsDir: path.join(root, 'experiments'),
    environmentsDir: path.join(root, 'environments'),
    stateDir: path.join(root, '.dap'),
  };
}
