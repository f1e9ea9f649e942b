// GitLab's CI schema fixture corpus (yaml_tests/positive_tests, negative_tests) is an optional
// extra: DAP_GITLAB_FIXTURES, default ../shared/gitlab-ci beside the clone. Absent: the tests
// that need it are reported skipped with the reason. Present but unreadable: they fail.

import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './repo.js';


export interface FixtureCorpus {
  /** .../yaml_tests, when the corpus is there */
  dir?: string;
  /** why the corpus tests are skipped */
  skipReason?: string;
}

export function gitlabFixtures(env: NodeJS.ProcessEnv = process.env): FixtureCorpus {
  const root = env.DAP_GITLAB_FIXTURES ? path.resolve(env.DAP_GITLAB_FIXTURES) : path.resolve(repoRoot, '../shared/gitlab-ci');
  let exists = true;
  try {
    statSync(root);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`DAP_GITLAB_FIXTURES: cannot read ${root}: ${(e as Error).message}`);
    exists = false;
  }
  if (!exists) {
    if (env.DAP_GITLAB_FIXTURES) throw new Error(`DAP_GITLAB_FIXTURES=${env.DAP_GITLAB_FIXTURES}: ${root} does not exist`);
    return { skipReason: `GitLab's fixture corpus is not at ${root} (optional; set DAP_GITLAB_FIXTURES to a gitlab-ci directory holding yaml_tests/)` };
  }
  const dir = path.join(root, 'yaml_tests');
  // present but broken must fail loudly, not vanish: these throw on a missing or unreadable tree
  for (const kind of ['positive_tests', 'negative_tests']) readdirSync(path.join(dir, kind));
  return { dir };
}

export function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
