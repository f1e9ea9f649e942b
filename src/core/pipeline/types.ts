// The pipeline model: plain objects in GitLab's own shape, so emitting is one YAML stringify and
// linting can run on the same objects. Key insertion order is the emitted order.

export type Matrix = Array<Record<string, string[]>>;

export interface RetryPolicy {
  max: number;
  when: string[];
}

export interface NeedRef {
  job: string;
  artifacts?: boolean;
  optional?: boolean;
}

export interface Job {
  stage: string;
  image?: string;
  tags?: string[];
  timeout?: string;
  retry?: RetryPolicy;
  interruptible?: boolean;
  resource_group?: string;
  allow_failure?: boolean | { exit_codes: number[] };
  when?: 'always' | 'on_success';
  needs?: Array<string | NeedRef>;
  variables?: Record<string, string>;
  parallel?: { matrix: Matrix };
  script?: string[];
  artifacts?: { paths: string[]; expire_in?: string; when?: 'always' | 'on_success' | 'on_failure' };
  trigger?: { include: Array<{ artifact: string; job: string }>; strategy: 'depend' };
}

export interface PipelineDoc {
  workflow: { rules: Array<Record<string, string>> };
  variables?: Record<string, string>;
  stages: string[];
  jobs: Map<string, Job>;
}

/** GitLab.com's defaults; self-managed instances can raise them (dap generate --max-…). */
export interface Limits {
  /** jobs one parallel:matrix may expand to */
  matrixJobs: number;
  /** bytes of one child pipeline YAML */
  childYamlBytes: number;
  /** jobs in a whole pipeline hierarchy (parent + children) */
  hierarchyJobs: number;
  /** entries in one job's needs (GitLab's ci_max_needs) */
  needs: number;
}

export const defaultLimits: Limits = {
  matrixJobs: 200,
  childYamlBytes: 5 * 1024 * 1024,
  hierarchyJobs: 1000,
  needs: 50,
};

export type Mode = 'parent' | 'child' | 'static';
