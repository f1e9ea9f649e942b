import path from 'node:path';
import { UsageError } from '../errors.js';
import type { Exec } from '../adapters/exec/exec.js';
import { exec as defaultExec } from '../adapters/exec/exec.js';
import { generateOp, DEFAULT_OUT, regenerateAsCommitted, type GenerateResult } from './generate.js';
import { loadSpecs } from './load-specs.js';
import { plan } from './plan.js';
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
  let pipelineFile = DEFAULT_OUT;
  let generated: GenerateResult | undefined;
  let env = opts.env ?? process.env;
  if (opts.experiments.length === 0) {
    // the pipeline's dap_check job fails on a stale .gitlab-ci.yml: say so before starting anything
    generated = await regenerateAsCommitted(root, { check: opts.generate === false });
    for (const f of generated.files) {
      if (f.status === 'written') notice(`updated ${f.path}; commit it so CI runs the same pipeline`);
      if (f.status === 'stale' || f.status === 'missing') {
        throw new UsageError(`${f.path} is ${f.status === 'stale' ? 'out of date with the specs' : 'missing'}, so the pipeline's dap_check job would fail; nothing was started`, 'run without --no-generate (or `dap generate` first)');
      }
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
  const maxParallel = await maxParallelOf(root, opts.experiments);
  const result = await runLocalOp({ root, pipelineFile, env, concurrency: opts.concurrency, maxParallel, onLine: opts.onLine, onNotice: notice, exec });
  return { ...result, pipelineFile, generated };
}

/** sweep.max_parallel of the experiments that run: enforced by `dap track` locally (see local-slots.ts). */
async function maxParallelOf(root: string, names: string[]): Promise<Record<string, number>> {
  const caps: Record<string, number> = {};
  for (const e of (await plan(root)).experiments) {
    if (e.maxParallel !== undefined && (names.length === 0 || names.includes(e.spec.name))) caps[e.spec.name] = e.maxParallel;
  }
  return caps;
}
