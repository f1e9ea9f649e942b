// dap generate: specs -> plan -> pipeline file(s), linted, then written atomically (or compared, --check).

import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DapError, formatProblem } from '../errors.js';
import { packageRoot, projectLayout } from '../paths.js';
import { planExperiments } from '../core/plan/index.js';
import type { LoadedSpec } from '../core/spec/types.js';
import { buildPipelines, DEFAULT_CHILD_OUT } from '../core/pipeline/build.js';
import { experimentsChanged, type ChangeDecision } from '../core/pipeline/changes.js';
import type { ImagesLock } from '../core/pipeline/jobs.js';
import { limitArgs } from '../core/pipeline/limits.js';
import { shellArg } from '../core/pipeline/shell.js';
import { defaultLimits, type Limits, type Mode } from '../core/pipeline/types.js';
import { lintObject } from '../core/lint/index.js';
import { generateArgsOf } from '../core/pipeline/check-args.js';
import { parse as parseYaml } from 'yaml';
import { gitlabSchemaValidator } from './lint.js';
import { loadSpecs } from './load-specs.js';

export const DEFAULT_OUT = '.gitlab-ci.yml';

export interface GenerateOptions {
  root: string;
  mode?: Mode;
  /** output path relative to root (default .gitlab-ci.yml; .dap/child.yml for --child) */
  out?: string;
  /** spec files (default: every experiments/*.yaml) */
  files?: string[];
  check?: boolean;
  changedSince?: string;
  /** no experiment at all: what a --changed-since pipeline records when nothing had changed */
  none?: boolean;
  /** wrap commands in `dap track` and add dap_sync (default true) */
  tracking?: boolean;
  limits?: Partial<Limits>;
  /** default: environments/images.lock.json under root */
  images?: ImagesLock;
  /** default: dap's package version */
  version?: string;
  /** static mode without the dap_check job (dap run --local of selected experiments) */
  noCheck?: boolean;
  /** lint every file (GitLab schema + semantic rules) before writing; default true */
  lint?: boolean;
  /** a `report` stage after the runs (dap report) */
  report?: boolean;
}

export type FileStatus = 'written' | 'unchanged' | 'fresh' | 'stale' | 'missing';

export interface GeneratedFile {
  path: string;
  status: FileStatus;
  bytes: number;
  jobs: number;
  /** --check on a stale file: where it first differs */
  diff?: string;
}

export interface GenerateResult {
  mode: Mode;
  files: GeneratedFile[];
  experiments: string[];
  totalJobs: number;
  changes?: ChangeDecision[];
  warnings: string[];
  /** false only for --check with a stale or missing file */
  ok: boolean;
  /** wall milliseconds per phase (bench/generate prints them) */
  timings: Record<'load' | 'plan' | 'build' | 'lint' | 'write', number>;
}

let versionCache: string | undefined;
export async function dapVersion(): Promise<string> {
  versionCache ??= (JSON.parse(await readFile(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  return versionCache;
}

export async function readImagesLock(root: string): Promise<ImagesLock> {
  const file = path.join(projectLayout(root).environmentsDir, 'images.lock.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return {};
  }
  try {
    return JSON.parse(text) as ImagesLock;
  } catch (err) {
    throw new DapError(`${file} is not valid JSON: ${(err as Error).message}`, { hint: 'rewrite it with `dap env push`' });
  }
}

/** A word for the job scripts we generate: plain when obviously safe, single-quoted otherwise. */

function relFiles(root: string, files: readonly string[] | undefined): string[] {
  return (files ?? []).map((f) => path.relative(root, path.resolve(root, f)).split(path.sep).join('/'));
}

function diffSummary(current: string, wanted: string): string {
  const a = current.split('\n');
  const b = wanted.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `${a.length} lines committed, ${b.length} generated; first difference at line ${i + 1}:\n  - ${a[i] ?? '(end of file)'}\n  + ${b[i] ?? '(end of file)'}`;
}

/** Write every file to a temp beside it, then rename them all: a failure leaves the old files as they were. */
export async function writeAllAtomic(files: ReadonlyArray<{ abs: string; text: string }>): Promise<void> {
  const temps: Array<{ tmp: string; abs: string }> = [];
  try {
    for (const f of files) {
      await mkdir(path.dirname(f.abs), { recursive: true });
      const tmp = `${f.abs}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      temps.push({ tmp, abs: f.abs });
      await writeFile(tmp, f.text, { flush: true });
    }
    for (const t of temps) await rename(t.tmp, t.abs);
  } catch (err) {
    await Promise.all(temps.map((t) => rm(t.tmp, { force: true })));
    throw new DapError(`could not write the pipeline: ${(err as Error).message}`, { hint: 'the previous files were left untouched; check permissions and disk space', cause: err });
  }
}

async function selectChanged(root: string, specs: LoadedSpec[], ref: string): Promise<{ kept: LoadedSpec[]; changes: ChangeDecision[] }> {
  const { changedFilesSince } = await import('../adapters/git/changes.js');
  const changes = experimentsChanged(specs, await changedFilesSince(root, ref));
  const keep = new Set(changes.filter((c) => c.kept).map((c) => c.experiment));
  return { kept: specs.filter((s) => keep.has(s.spec.name)), changes };
}

export async function generateOp(opts: GenerateOptions): Promise<GenerateResult> {
  const root = path.resolve(opts.root);
  const mode = opts.mode ?? 'parent';
  const out = opts.out ?? (mode === 'child' ? DEFAULT_CHILD_OUT : DEFAULT_OUT);
  const limits: Limits = { ...defaultLimits, ...opts.limits };
  const files = relFiles(root, opts.files);

  const timings = { load: 0, plan: 0, build: 0, lint: 0, write: 0 };
  let t = performance.now();
  const lap = (phase: keyof typeof timings) => { const now = performance.now(); timings[phase] += now - t; t = now; };

  const specWarnings: string[] = [];
  let specs = await loadSpecs(root, opts.files?.map((f) => path.resolve(root, f)), { onWarning: (w) => specWarnings.push(formatProblem({ ...w, frame: undefined }).replace(': warning: ', ': ')) });
  let changes: ChangeDecision[] | undefined;
  if (opts.changedSince) ({ kept: specs, changes } = await selectChanged(root, specs, opts.changedSince));
  if (opts.none) specs = [];
  // The pipeline's own dap commands (dap_check, dap_generate) must reproduce this selection in CI,
  // where REF may not even be fetched: record the chosen spec files, or --none, never the ref.
  const selected = opts.changedSince || opts.none ? (specs.length ? specs.map((s) => s.file) : ['--none']) : files;
  const images = opts.images ?? (await readImagesLock(root));
  const version = opts.version ?? (await dapVersion());
  lap('load');
  const plan = planExperiments(specs);
  lap('plan');

  const extra = [...(opts.tracking === false ? ['--no-tracking'] : []), ...limitArgs(opts.limits ?? {}), ...selected].map(shellArg);
  const checkArgs = [...[...(mode === 'static' ? ['--static'] : []), ...(out !== DEFAULT_OUT ? ['--out', out] : []), ...(opts.report ? ['--report'] : [])].map(shellArg), ...extra];
  const built = buildPipelines({
    plan,
    mode,
    version,
    specs: specs.map((s) => ({ file: s.file, hash: s.hash })),
    images,
    tracking: opts.tracking ?? true,
    limits,
    out,
    checkArgs,
    childArgs: extra,
    report: opts.report && mode !== 'child',
    noCheck: opts.noCheck,
  });

  lap('build');
  if (opts.lint !== false) {
    // GitLab's schema + the semantic rules over the exact object the YAML was emitted from; that
    // the YAML parses back to this object is the emitter's tested contract (test/pipeline).
    const validate = await gitlabSchemaValidator();
    for (const f of built.files) {
      const errors = lintObject(f.config, f.bytes, validate, limits);
      if (errors.length) {
        throw new DapError(`dap generated an invalid pipeline ${f.path} (a bug in dap):\n${errors.map((e) => `  ${e}`).join('\n')}`, {
          hint: 'please report it with the spec that caused it',
        });
      }
    }
  }

  lap('lint');
  const results: GeneratedFile[] = [];
  const toWrite: Array<{ abs: string; text: string }> = [];
  for (const f of built.files) {
    const abs = path.resolve(root, f.path);
    const current = await readFile(abs, 'utf8').catch(() => undefined);
    const base = { path: f.path, bytes: f.bytes, jobs: f.jobs };
    if (opts.check) {
      if (current === undefined) results.push({ ...base, status: 'missing' });
      else if (current === f.text) results.push({ ...base, status: 'fresh' });
      else results.push({ ...base, status: 'stale', diff: diffSummary(current, f.text) });
    } else if (current === f.text) {
      results.push({ ...base, status: 'unchanged' });
    } else {
      results.push({ ...base, status: 'written' });
      toWrite.push({ abs, text: f.text });
    }
  }
  if (toWrite.length) await writeAllAtomic(toWrite);
  lap('write');

  return {
    mode,
    files: results,
    experiments: specs.map((s) => s.spec.name),
    totalJobs: built.totalJobs,
    changes,
    warnings: [...specWarnings, ...built.warnings],
    ok: results.every((r) => r.status !== 'stale' && r.status !== 'missing'),
    timings,
  };
}

/**
 * Regenerates with the arguments the committed pipeline was generated with (its dap_check line):
 * `dap submit` and `dap run --local` must not drop --report, --static or a raised limit.
 */
export async function regenerateAsCommitted(root: string, opts: { check?: boolean } = {}): Promise<GenerateResult> {
  const text = await readFile(path.join(root, DEFAULT_OUT), 'utf8').catch(() => undefined);
  let committed: unknown;
  try {
    committed = text === undefined ? undefined : parseYaml(text);
  } catch {
    committed = undefined; // not YAML: regenerate with the defaults, as a first `dap generate` would
  }
  const args = committed && typeof committed === 'object' ? generateArgsOf(committed as Record<string, unknown>) : undefined;
  return generateOp({
    root, mode: args?.static ? 'static' : 'parent', out: args?.out, report: args?.report, tracking: args?.tracking,
    none: args?.none, limits: args?.limits, files: args?.files.length ? args.files : undefined, check: opts.check,
  });
}
