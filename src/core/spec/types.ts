// The experiment spec as a researcher writes it in experiments/*.yaml (see schemas/experiment.schema.json).

export type Scalar = string | number | boolean;

export type Distribution =
  | { choice: Scalar[] }
  | { uniform: [number, number] }
  | { loguniform: [number, number] }
  | { int: [number, number] };

export type Sweep = { max_parallel?: number; max_parallel_scope?: 'pipeline' | 'project' } & (
  | { grid: Record<string, Scalar[]> }
  | { list: Record<string, Scalar>[] }
  | { random: { samples: number; seed: number; space: Record<string, Distribution> } }
  | { halving: HalvingSweep }
);

/** Successive halving (Hyperband with brackets > 1): each rung promotes the best 1/eta to eta× the budget. */
export interface HalvingSweep {
  /** exactly one of space (with samples and seed), grid or list gives the first rung's configurations */
  space?: Record<string, Distribution>;
  grid?: Record<string, Scalar[]>;
  list?: Record<string, Scalar>[];
  samples?: number;
  seed?: number;
  /** the resource a rung multiplies by eta: a param the command uses */
  budget: { param: string; min: number; max: number };
  eta: number;
  /** Hyperband: this many brackets, each starting at a larger budget (needs space) */
  brackets?: number;
}

export interface ExperimentSpec {
  name: string;
  description?: string;
  /** a directory under environments/; mutually exclusive with image */
  environment?: string;
  /** a foreign image; mutually exclusive with environment */
  image?: string;
  /** a shell string, or an argv list that may use {{ params.NAME }} */
  command: string | string[];
  /** fixed parameters; sweep axes override or extend them */
  params?: Record<string, Scalar>;
  sweep?: Sweep;
  metrics?: {
    /** files the run writes at the end (metrics.json, *.csv), relative to the job's directory */
    files?: string[];
    /** the metric `dap runs` ranks by */
    primary?: string;
    goal?: 'minimize' | 'maximize';
  };
  artifacts?: { paths: string[]; expire_in?: string };
  resources?: { tags?: string[]; gpus?: number; timeout?: string };
  tracking?: { experiment?: string };
  /** halving: the next rung's job gets the previous rung's copy of this artifact in $DAP_RESUME_DIR */
  resume?: { artifact: string };
  /** extra files/globs whose change counts as a change of this experiment (--changed-since) */
  inputs?: string[];
}

/** A spec read from disk, with what is needed to point back into its source. */
export interface LoadedSpec {
  /** path as the user should see it (relative to the project root) */
  file: string;
  source: string;
  /** sha256 of the source text */
  hash: string;
  spec: ExperimentSpec;
}
