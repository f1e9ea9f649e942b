// The report's input: runs as plain data (from MLflow or from local journals), whatever their
// source. Everything in here came from outside (tags, params, run names): treat it as untrusted text.

import type { RunStatus } from '../mlflow/values.js';

export type Goal = 'minimize' | 'maximize';

export interface ReportRun {
  /** MLflow run id, or the journal identity for local runs */
  id: string;
  /** short display name (dap.run, else the run name) */
  name: string;
  status: RunStatus;
  startTime: number;
  params: Record<string, string>;
  /** per metric key: [step, value] in step order (NaN kept as NaN) */
  metrics: Record<string, Array<[number, number]>>;
  /** which sweep point this is (dap.run_key): matches a target-branch run with the same params */
  runKey?: string;
  pipelineId?: string;
  mlflowUrl?: string;
  jobUrl?: string;
}

export interface ExperimentRuns {
  experiment: string;
  primary?: string;
  /** per metric key; metrics without one are compared as "higher is better" only when named so by the caller */
  goals: Record<string, Goal>;
  runs: ReportRun[];
  /** the latest runs of the same experiment on the target branch; undefined: no comparison */
  baseline?: ReportRun[];
  /** the target-branch pipeline the baseline runs come from */
  baselinePipeline?: string;
  /** why there are no deltas (no target branch, no runs there...) */
  noBaseline?: string;
}

export interface ReportSubject {
  /** e.g. "pipeline #123" or "local runs" */
  title: string;
  pipelineId?: string;
  pipelineUrl?: string;
  branch?: string;
  sha?: string;
  targetBranch?: string;
}

export interface ReportInput {
  subject: ReportSubject;
  experiments: ExperimentRuns[];
}
