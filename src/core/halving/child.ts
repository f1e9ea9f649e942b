// The child pipeline of one rung: the rung's runs as ordinary experiment jobs (same prelude,
// same `dap track` wrapping, same lanes and matrix chunks), marked with the sweep's identity and
// allowed to fail: a failed trial is an outcome the next selection reads, not a broken sweep.

import { DapError } from '../../errors.js';
import type { ExperimentPlan, PlannedRun } from '../plan/types.js';
import { childWorkflow, runDoc, type BuiltFile } from '../pipeline/build.js';
import { emitYaml, headerComment, toPlainObject, type SpecSource } from '../pipeline/emit.js';
import { experimentJobs, type ImagesLock } from '../pipeline/jobs.js';
import { runId } from '../pipeline/prelude.js';
import { shQuote } from '../pipeline/shell.js';
import type { Limits } from '../pipeline/types.js';

export interface RungChildInput {
  exp: ExperimentPlan;
  bracket: number;
  rung: number;
  runs: PlannedRun[];
  /** the parent pipeline's id: trials find their sweep by it (dap.sweep_pipeline_id) */
  sweepPipelineId: string;
  /** this rung's run key → the previous rung's run key of the same configuration */
  resumeFrom?: ReadonlyMap<string, string>;
  path: string;
  version: string;
  specs: readonly SpecSource[];
  images: ImagesLock;
  tracking: boolean;
  limits: Limits;
}

/** Sets DAP_RESUME_KEY per run and lets `dap sweep resume` fetch that run's checkpoint. */
function resumeScript(runs: readonly PlannedRun[], resumeFrom: ReadonlyMap<string, string>, artifact: string): string {
  const lines = [`DAP_RESUME_ARTIFACT=${shQuote(artifact)}`, 'DAP_RESUME_KEY=', 'case "$DAP_RUN" in'];
  for (const run of runs) {
    const from = resumeFrom.get(run.key);
    if (from) lines.push(`${shQuote(runId(run))}) DAP_RESUME_KEY=${shQuote(from)} ;;`);
  }
  lines.push('esac', ': "${DAP_RESUME_DIR:=$DAP_DIR/resume}"', 'export DAP_RESUME_ARTIFACT DAP_RESUME_KEY DAP_RESUME_DIR', 'dap sweep resume');
  return lines.join('\n') + '\n';
}

export function rungChild(input: RungChildInput): BuiltFile {
  const { exp, runs } = input;
  const resume = exp.spec.resume?.artifact;
  // the checkpoint must reach MLflow for the next rung to fetch it
  const spec = resume && !(exp.spec.artifacts?.paths ?? []).includes(resume)
    ? { ...exp.spec, artifacts: { ...exp.spec.artifacts, paths: [...(exp.spec.artifacts?.paths ?? []), resume] } }
    : exp.spec;
  const built = experimentJobs({ ...exp, spec, runs }, input);
  const extra: Record<string, string> = { DAP_SWEEP_PIPELINE_ID: input.sweepPipelineId, DAP_RUNG: String(input.rung), DAP_BRACKET: String(input.bracket) };
  const jobs = built.jobs.map(([name, job]) => {
    const script = [...(job.script ?? [])];
    if (resume && input.resumeFrom?.size) {
      const mine = runs.filter((r) => job.parallel?.matrix[0]?.DAP_RUN?.includes(runId(r)));
      script.splice(script.length - 1, 0, resumeScript(mine, input.resumeFrom, resume));
    }
    return [name, { ...job, allow_failure: true, variables: { ...job.variables, ...extra }, script }] as [string, typeof job];
  });
  const header = headerComment(input.version, input.specs, `Rung ${input.rung}${input.bracket ? ` of bracket ${input.bracket}` : ''} of the halving sweep ${exp.spec.name}: written by dap sweep, triggered by the parent pipeline.`);
  const config = toPlainObject(runDoc(jobs, built.needsSync ? jobs.map(([n]) => n) : [], input, childWorkflow()));
  const text = header + emitYaml(config);
  const bytes = Buffer.byteLength(text);
  if (bytes > input.limits.childYamlBytes) {
    throw new DapError(`rung ${input.rung} of ${exp.spec.name} would be ${bytes} bytes of YAML, over the ${input.limits.childYamlBytes}-byte child pipeline limit`, {
      hint: 'lower samples, or raise --max-child-bytes on a self-managed GitLab',
    });
  }
  return { path: input.path, text, config, jobs: runs.length + (built.needsSync ? 1 : 0), bytes };
}
