// The journal's vocabulary: one JSON object per line, appended in order, never rewritten.
// Every value a shipper needs is in the line itself, so a journal shipped later, from another
// machine, to another server, produces the same run.

import type { MetricValue, RunStatus } from '../core/mlflow/values.js';

export interface JournalPoint {
  /** key */
  k: string;
  /** value */
  v: MetricValue;
  /** step */
  s: number;
  /** timestamp in ms, fixed at journal time so a re-sent point is an exact duplicate */
  ts: number;
}

/** Which run this is: shared by the journal's open event and the job context it comes from. */
export interface RunIdentity {
  /** what makes this run this run: the MLflow run is found by tag dap.identity = identity */
  identity: string;
  /** MLflow experiment name */
  experiment: string;
  /** dap spec name (may equal experiment) */
  spec?: string;
  runKey?: string;
  runIndex?: number;
  runName: string;
}

export interface OpenEvent extends RunIdentity {
  t: 'open';
  /** journal format version */
  v: 1;
  /** ms */
  time: number;
  /** absolute directory the job ran in; relative artifact paths resolve against it */
  workdir: string;
  /** where the journal was written: a journal found elsewhere was moved (e.g. unpacked job artifacts) */
  journalPath?: string;
  /** the metric `dap runs` ranks by, and whether lower or higher is better */
  primary?: string;
  goal?: 'minimize' | 'maximize';
}

export interface ParamsEvent { t: 'params'; params: Record<string, string> }
export interface TagsEvent { t: 'tags'; tags: Record<string, string> }
export interface MetricsEvent { t: 'metrics'; points: JournalPoint[] }
export interface ArtifactEvent {
  t: 'artifact';
  /** path relative to the workdir (or absolute when outside it) */
  path: string;
  /** artifact path inside the run ('' = root) */
  dest: string;
}
export interface StatusEvent { t: 'status'; status: RunStatus; time: number; exitCode?: number; signal?: string }

export type JournalEvent = OpenEvent | ParamsEvent | TagsEvent | MetricsEvent | ArtifactEvent | StatusEvent;
