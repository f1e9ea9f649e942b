// The repo's own example (experiments/toy-regression.yaml + its script + environments/python)
// copied into a fresh git repository, with a unique MLflow experiment name so reruns of the suite
// never see runs from earlier runs, and the pipeline generated and committed as a user would.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { generateOp } from '../../../src/ops/generate.js';
import { plan } from '../../../src/ops/plan.js';
import type { ExperimentPlan } from '../../../src/core/plan/types.js';
import { commitAll, tempRepo } from '../../support/temp-repo.js';
import { repoRoot } from '../../tracking/helpers.js';

export const SPEC = 'experiments/toy-regression.yaml';

export interface ExampleRepo {
  root: string;
  /** the MLflow experiment the runs land in (tracking.experiment of the copied spec) */
  experiment: string;
  /** what dap plans for the copied spec: run keys, params, spec hash */
  plan: ExperimentPlan;
  head: string;
}

/** `edit` may change the parsed spec (e.g. params.epochs) before it is committed. */
export async function exampleRepo(experiment: string, edit?: (spec: Record<string, unknown>) => void): Promise<ExampleRepo> {
  const files: Record<string, string> = { '.gitignore': '.dap/\n' };
  for (const rel of [SPEC, ...listFiles('experiments/toy_regression'), ...listFiles('environments/python')]) {
    files[rel] = fs.readFileSync(path.join(repoRoot, rel), 'utf8');
  }
  const doc = parseDocument(files[SPEC]!);
  if (!doc.hasIn(['tracking', 'experiment'])) throw new Error(`${SPEC} no longer sets tracking.experiment; update test/e2e/support/example-repo.ts`);
  doc.setIn(['tracking', 'experiment'], experiment);
  if (edit) {
    const obj = doc.toJS() as Record<string, unknown>;
    edit(obj);
    for (const [k, v] of Object.entries(obj)) doc.set(k, v);
  }
  files[SPEC] = doc.toString();
  const root = await tempRepo(files, 'dap-e2e-');
  await generateOp({ root });
  commitAll(root, 'generate the pipeline');
  const p = await plan(root);
  const exp = p.experiments.find((e) => e.specFile.endsWith('toy-regression.yaml'));
  if (!exp) throw new Error(`dap plan of ${root} has no toy-regression experiment`);
  return { root, experiment, plan: exp, head: git(root, 'rev-parse', 'HEAD') };
}

function listFiles(dir: string): string[] {
  const abs = path.join(repoRoot, dir);
  return fs.readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && !d.name.endsWith('.pyc'))
    .map((d) => path.relative(repoRoot, path.join(d.parentPath, d.name)));
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

/** process.env without tracking/CI settings of the shell that runs the tests, plus `extra`. */
export function jobEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(DAP_|CI_|MLFLOW_|GITLAB_)/.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** gitlab-ci-local's pipeline counter: removing it makes the next run reuse the same CI_PIPELINE_ID. */
export function pipelineStateFile(root: string): string {
  return path.join(root, '.dap', 'local', 'gitlab-ci-local', 'state.yml');
}
