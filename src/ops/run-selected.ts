import path from 'node:path';
import { UsageError } from '../errors.js';
import type { Exec } from '../adapters/exec/exec.js';
import { exec as defaultExec } from '../adapters/exec/exec.js';
import { generateOp, DEFAULT_OUT, type GenerateResult } from './generate.js';
import { loadSpecs } from './load-specs.js';
import { runLocalOp, type RunLocalResult } from './run-local.js';

export interface RunOptions {
  root: string;
  /** experiment names; empty = the whole project pipeline */
  experiments: string[];
  /** regenerate .gitlab-ci.yml before running it (default true) */
  generate?: boolean;
  concurrency?: number;
  onLine?: (line: string) => void;
  onNotice?: (message: string) => void;
  env?: NodeJS.ProcessEnv;
  exec?: Exec;
}

export interface RunResult extends RunLocalResult {
  pipelineFile: string;
  generated?: GenerateResult;
}

/**
 * `dap run --local`: with no experiment named, run the project's pipeline exactly as CI would
 * (parent: check, generate, trigger child). With names, run only their child pipeline.
 */
export async function runOp(opts: RunOptions): Promise<RunResult> {
  const root = path.resolve(opts.root);
  const exec = opts.exec ?? defaultExec;
  const notice = opts.onNotice ?? (() => {});
  await warnUntracked(root, exec, notice);
  let pipelineFile = DEFAULT_OUT;
  let generated: GenerateResult | undefined;
  let env = opts.env ?? process.env;
  if (opts.experiments.length === 0) {
    if (opts.generate !== false) {
      generated = await generateOp({ root });
      for (const f of generated.files) if (f.status === 'written') notice(`updated ${f.path}; commit it so CI runs the same pipeline`);
    }
  } else {
    const specs = await loadSpecs(root);
    const byName = new Map(specs.map((s) => [s.spec.name, s.file]));
    const unknown = opts.experiments.filter((n) => !byName.has(n));
    if (unknown.length) {
      throw new UsageError(`unknown experiment(s): ${unknown.join(', ')}`, `known: ${[...byName.keys()].join(', ') || 'none'} (see \`dap plan\`)`);
    }
    pipelineFile = path.join('.dap', 'local', 'selected.gitlab-ci.yml');
    const files = opts.experiments.map((n) => byName.get(n)!);
    // a halving sweep runs from a parent (its rungs are child pipelines): a static pipeline holds
    // it, without dap_check, which would look for this uncommitted file in the job's checkout
    const halving = specs.some((s) => opts.experiments.includes(s.spec.name) && s.spec.sweep !== undefined && 'halving' in s.spec.sweep);
    generated = await generateOp({ root, mode: halving ? 'static' : 'child', out: pipelineFile, files, noCheck: halving });
    // a child pipeline only runs under its parent; that is the source gitlab-ci-local gives children too
    if (!halving) env = { ...env, CI_PIPELINE_SOURCE: 'parent_pipeline' };
  }
  const result = await runLocalOp({ root, pipelineFile, env, concurrency: opts.concurrency, onLine: opts.onLine, exec });
  return { ...result, pipelineFile, generated };
}

// gitlab-ci-local copies only files git knows about into each job's directory.
async function warnUntracked(root: string, exec: Exec, notice: (m: string) => void): Promise<void> {
  const res = await exec(['git', 'ls-files', '--others', '--exclude-standard', '--', 'experiments', 'environments'], { cwd: root }).catch(() => undefined);
  const files = res?.code === 0 ? res.stdout.split('\n').filter(Boolean) : [];
  if (files.length) notice(`${files.length} untracked file(s) are not copied into local jobs (${files.slice(0, 3).join(', ')}${files.length > 3 ? ', …' : ''}): git add them`);
}
