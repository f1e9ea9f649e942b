// Plan -> the pipeline files of one mode (parent / child / static), within GitLab's limits.
// Everything is checked here, before the caller writes a single file.

import { DapError } from '../../errors.js';
import type { Plan } from '../plan/types.js';
import { emitYaml, headerComment, toPlainObject, type SpecSource } from './emit.js';
import { DEFAULT_EXPIRE_IN, experimentJobs, retryPolicy, RUN_STAGE, type ImagesLock } from './jobs.js';
import { defaultLimits, type Job, type Limits, type Mode, type PipelineDoc } from './types.js';
import { halvingParentJobs, type HalvingJobs } from '../halving/parent.js';

export interface BuildInput {
  plan: Plan;
  mode: Mode;
  /** dap's version: goes into the header and the default DAP_IMAGE tag */
  version: string;
  specs: readonly SpecSource[];
  images: ImagesLock;
  tracking: boolean;
  limits: Limits;
  /** path of the main output file, relative to the project root (for child: the first child file) */
  out: string;
  /** arguments after `dap generate --check` in the job the pipeline runs first (parent/static) */
  checkArgs: string[];
  /** arguments dap_generate adds to `dap generate --child --out …` (spec files, raised limits) */
  childArgs?: string[];
  /** where dap_generate writes the child pipeline(s) in parent mode */
  childOut?: string;
  /** add a `report` stage after the runs: dap report compares them and posts to the MR */
  report?: boolean;
  /** static mode: leave out dap_check (a local run of a file that is not committed) */
  noCheck?: boolean;
}

export interface BuiltFile {
  path: string;
  text: string;
  /** the object `text` is the YAML of (what dap generate lints before writing) */
  config: Record<string, unknown>;
  jobs: number;
  /** Buffer.byteLength(text): a few MB, so counted once here */
  bytes: number;
}

export interface BuildResult {
  files: BuiltFile[];
  /** jobs in the whole hierarchy after matrix expansion */
  totalJobs: number;
  warnings: string[];
}

export const DEFAULT_CHILD_OUT = '.dap/child.yml';
export const SYNC_JOB = 'dap_sync';
export const REPORT_JOB = 'dap_report';
const REPORT_STAGE = 'report';

/** After the runs, whatever their outcome: the report is most useful when something failed. */
function reportJob(after: string[]): Job {
  return {
    stage: REPORT_STAGE, image: '$DAP_IMAGE', retry: retryPolicy(), when: 'always',
    ...(after.length ? { needs: after.map((job) => ({ job, artifacts: false })) } : {}),
    script: ['dap report --out .dap/report'],
    // MLflow unreachable (3) leaves the pipeline green; posting failures are warnings (exit 0)
    allow_failure: { exit_codes: [3] },
    artifacts: { paths: ['.dap/report/'], expire_in: DEFAULT_EXPIRE_IN, when: 'always' },
  };
}
const SYNC_STAGE = 'sync';

/** MR pipelines for MRs, branch pipelines otherwise, never both for the same push. */
export const branchAndMrRules = (): Array<Record<string, string>> => [
  { if: '$CI_PIPELINE_SOURCE == "merge_request_event"' },
  { if: '$CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS', when: 'never' },
  { if: '$CI_COMMIT_BRANCH' },
];

export const dapImageDefault = (version: string): string => `\${CI_REGISTRY_IMAGE}/dap:${version}`;

interface RunJobs { jobs: Array<[string, Job]>; jobCount: number; syncFrom: string[] }

function collectRunJobs(input: BuildInput, warnings: string[]): RunJobs {
  const jobs: Array<[string, Job]> = [];
  const syncFrom: string[] = [];
  let jobCount = 0;
  for (const exp of input.plan.experiments) {
    // a halving sweep runs rung by rung from the parent (halvingSection)
    if (exp.halving) continue;
    const built = experimentJobs(exp, input);
    warnings.push(...built.warnings);
    jobs.push(...built.jobs);
    jobCount += built.jobCount;
    if (built.needsSync) syncFrom.push(...built.jobs.map(([name]) => name));
  }
  return { jobs, jobCount, syncFrom };
}

function syncJob(syncFrom: string[], limits: Limits): Job {
  const job: Job = { stage: SYNC_STAGE, image: '$DAP_IMAGE', retry: retryPolicy(), when: 'always' };
  // Over GitLab's needs cap the stage order does the same: a later stage gets every earlier artifact.
  if (syncFrom.length <= limits.needs) job.needs = syncFrom.map((job) => ({ job, artifacts: true }));
  job.script = ['dap sync --from-artifacts .dap'];
  // MLflow unreachable (exit 3) is a warning, not a red pipeline: the journals travel as this job's
  // artifacts and `dap sync --pipeline ID` ships them later.
  job.allow_failure = { exit_codes: [3] };
  job.artifacts = { paths: ['.dap/journal/'], expire_in: '30 days', when: 'always' };
  return job;
}

const nothingJob = (): Job => ({ stage: RUN_STAGE, script: ["echo 'dap: no experiments selected, nothing to run'"] });

export function runDoc(jobs: Array<[string, Job]>, syncFrom: string[], input: Pick<BuildInput, 'version' | 'limits'>, workflow: PipelineDoc['workflow']): PipelineDoc {
  const names = new Set(jobs.map(([n]) => n));
  const mine = syncFrom.filter((n) => names.has(n));
  const map = new Map(jobs.length ? jobs : [['dap_nothing', nothingJob()] as [string, Job]]);
  if (mine.length) map.set(SYNC_JOB, syncJob(mine, input.limits));
  return {
    workflow,
    variables: { DAP_IMAGE: dapImageDefault(input.version) },
    stages: mine.length ? [RUN_STAGE, SYNC_STAGE] : [RUN_STAGE],
    jobs: map,
  };
}

function checkJob(checkArgs: string[]): Job {
  return {
    stage: '.pre', image: '$DAP_IMAGE', retry: retryPolicy(), interruptible: true,
    script: [['dap', 'generate', '--check', ...checkArgs].join(' ')],
  };
}

function matrixSize(job: Job): number {
  return job.parallel ? job.parallel.matrix.reduce((n, m) => n + Object.values(m).reduce((p, v) => p * v.length, 1), 0) : 1;
}

const NOT_JOBS = new Set(['workflow', 'variables', 'stages']);
const configJobs = (config: Record<string, unknown>): number =>
  Object.entries(config).reduce((n, [k, j]) => (NOT_JOBS.has(k) ? n : n + matrixSize(j as Job)), 0);

/** child file i of k: .dap/child.yml, or .dap/child-1.yml … .dap/child-k.yml when split */
export function childPaths(out: string, count: number): string[] {
  if (count <= 1) return [out];
  const dot = out.lastIndexOf('.');
  const stem = dot > out.lastIndexOf('/') ? out.slice(0, dot) : out;
  const ext = dot > out.lastIndexOf('/') ? out.slice(dot) : '';
  return Array.from({ length: count }, (_, i) => `${stem}-${i + 1}${ext}`);
}

/** Greedy packing of jobs into children whose YAML stays under the size limit. */
function packChildren(run: RunJobs, input: BuildInput, header: string): Array<Array<[string, Job]>> {
  const budget = input.limits.childYamlBytes - Buffer.byteLength(header) - 4096; // room for workflow/stages/sync
  const groups: Array<Array<[string, Job]>> = [];
  let current: Array<[string, Job]> = [];
  let size = 0;
  for (const entry of run.jobs) {
    const bytes = Buffer.byteLength(emitYaml({ [entry[0]]: entry[1] }));
    if (bytes > budget) {
      throw new DapError(
        `job ${entry[0]} alone is ${bytes} bytes of YAML, over the ${input.limits.childYamlBytes}-byte child pipeline limit`,
        { hint: 'lower the matrix size (--max-matrix-jobs) so its runs are split over more jobs, or raise --max-child-bytes on a self-managed GitLab' },
      );
    }
    if (size + bytes > budget && current.length) { groups.push(current); current = []; size = 0; }
    current.push(entry);
    size += bytes;
  }
  if (current.length || !groups.length) groups.push(current);
  return groups;
}

export function childWorkflow(): PipelineDoc['workflow'] {
  return { rules: [{ if: '$CI_PIPELINE_SOURCE == "parent_pipeline"' }] };
}

function buildChildren(run: RunJobs, input: BuildInput, out: string): BuiltFile[] {
  const header = headerComment(input.version, input.specs, 'Child pipeline: the parent pipeline triggers it.');
  const wholeConfig = toPlainObject(runDoc(run.jobs, run.syncFrom, input, childWorkflow()));
  const whole = header + emitYaml(wholeConfig);
  const groups = Buffer.byteLength(whole) <= input.limits.childYamlBytes ? [run.jobs] : packChildren(run, input, header);
  const paths = childPaths(out, groups.length);
  return groups.map((jobs, i) => {
    const config = groups.length === 1 ? wholeConfig : toPlainObject(runDoc(jobs, run.syncFrom, input, childWorkflow()));
    const text = groups.length === 1 ? whole : header + emitYaml(config);
    const bytes = Buffer.byteLength(text);
    if (bytes > input.limits.childYamlBytes) {
      throw new DapError(`child pipeline ${paths[i]} would be ${bytes} bytes, over the ${input.limits.childYamlBytes}-byte limit`, {
        hint: 'raise --max-child-bytes on a self-managed GitLab, or split the experiments',
      });
    }
    return { path: paths[i] as string, text, config, jobs: configJobs(config), bytes };
  });
}

/** The halving sweeps' stages and jobs, appended to the parent (or static) pipeline. */
function halvingSection(input: BuildInput): HalvingJobs {
  const experiments = input.plan.experiments.flatMap((exp) => (exp.halving ? [{ exp, halving: exp.halving }] : []));
  const raisedLimits = Object.fromEntries(Object.entries(input.limits).filter(([k, v]) => defaultLimits[k as keyof Limits] !== v));
  return halvingParentJobs({ experiments, tracking: input.tracking, raisedLimits });
}

function parentFile(input: BuildInput, childFiles: readonly string[]): BuiltFile {
  const jobs = new Map<string, Job>();
  jobs.set('dap_check', checkJob(input.checkArgs));
  const childOut = input.childOut ?? DEFAULT_CHILD_OUT;
  jobs.set('dap_generate', {
    stage: 'generate', image: '$DAP_IMAGE', retry: retryPolicy(), interruptible: true,
    script: [
      ['dap', 'generate', '--child', '--out', childOut, ...(input.childArgs ?? [])].join(' '),
      ...childFiles.map((f) => `dap lint ${f}`),
    ],
    artifacts: { paths: [...childFiles], expire_in: '30 days' },
  });
  childFiles.forEach((file, i) => {
    const name = childFiles.length === 1 ? 'dap_run' : `dap_run_${i + 1}`;
    jobs.set(name, {
      stage: 'run',
      needs: ['dap_generate'],
      trigger: { include: [{ artifact: file, job: 'dap_generate' }], strategy: 'depend' },
    });
  });
  const halving = halvingSection(input);
  for (const entry of halving.jobs) jobs.set(...entry);
  // with halving rungs after the runs, the report waits by stage order for the last rung
  if (input.report) jobs.set(REPORT_JOB, reportJob(halving.jobs.length ? [] : childFiles.map((_, i) => (childFiles.length === 1 ? 'dap_run' : `dap_run_${i + 1}`))));
  const doc: PipelineDoc = {
    workflow: { rules: branchAndMrRules() },
    variables: { DAP_IMAGE: dapImageDefault(input.version) },
    stages: ['generate', 'run', ...halving.stages, ...(input.report ? [REPORT_STAGE] : [])],
    jobs,
  };
  const note = `Parent pipeline: dap_generate regenerates ${childFiles.join(', ')} from the specs; dap_run triggers it.`;
  const config = toPlainObject(doc);
  const text = headerComment(input.version, input.specs, note) + emitYaml(config);
  return { path: input.out, text, config, jobs: configJobs(config), bytes: Buffer.byteLength(text) };
}

function staticFile(run: RunJobs, input: BuildInput): BuiltFile {
  const doc = runDoc(run.jobs, run.syncFrom, input, { rules: branchAndMrRules() });
  const halving = halvingSection(input);
  doc.jobs = new Map([...(input.noCheck ? [] : [['dap_check', checkJob(input.checkArgs)] as [string, Job]]), ...doc.jobs, ...halving.jobs]);
  doc.stages = [...doc.stages, ...halving.stages];
  if (input.report) {
    // stage order, no needs: GitLab caps needs, and a later stage already waits for every run
    doc.jobs.set(REPORT_JOB, reportJob([]));
    doc.stages = [...doc.stages, REPORT_STAGE];
  }
  const config = toPlainObject(doc);
  const text = headerComment(input.version, input.specs) + emitYaml(config);
  const bytes = Buffer.byteLength(text);
  if (bytes > input.limits.childYamlBytes) {
    throw new DapError(`the static pipeline would be ${bytes} bytes, over the ${input.limits.childYamlBytes}-byte limit`, {
      hint: 'use the default parent/child mode, which splits into several child pipelines, or raise --max-child-bytes on a self-managed GitLab',
    });
  }
  return { path: input.out, text, config, jobs: configJobs(config), bytes };
}

export function buildPipelines(input: BuildInput): BuildResult {
  const warnings: string[] = [];
  const run = collectRunJobs(input, warnings);
  let files: BuiltFile[];
  let totalJobs: number;
  if (input.mode === 'static') {
    files = [staticFile(run, input)];
    const halving = halvingSection(input);
    totalJobs = files[0]!.jobs + halving.jobCount - halving.jobs.length;
  } else {
    const children = buildChildren(run, input, input.mode === 'child' ? input.out : input.childOut ?? DEFAULT_CHILD_OUT);
    const parent = parentFile(input, children.map((c) => c.path));
    const halving = halvingSection(input);
    // the parent counts the halving jobs themselves; their rungs' runs come on top
    totalJobs = parent.jobs + children.reduce((n, c) => n + c.jobs, 0) + halving.jobCount - halving.jobs.length;
    files = input.mode === 'parent' ? [parent] : children;
  }
  if (totalJobs > input.limits.hierarchyJobs) {
    throw new DapError(
      `the pipeline would have ${totalJobs} jobs, over GitLab's limit of ${input.limits.hierarchyJobs} jobs per pipeline hierarchy (${run.jobCount} experiment runs)`,
      { hint: 'generate fewer runs (smaller sweeps, or --changed-since REF), or on a self-managed GitLab with a raised ci_pipeline_size limit pass --max-jobs N' },
    );
  }
  return { files, totalJobs, warnings };
}
