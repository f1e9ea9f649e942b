// The slice of MLflow that tracking needs, in MLflow's REST terms: small enough to fake in tests,
// implemented on dap's shared REST client (src/adapters/mlflow) by mlflow-shared-api.ts.

export interface MlflowRunInfo {
  runId: string;
  experimentId: string;
  startTime: number;
  artifactUri?: string;
  status?: string;
  /** the run's tags (search results carry them) */
  tags?: Record<string, string>;
}

export interface MlflowWireMetric { key: string; value: number | string; timestamp: number; step: number }
export interface MlflowKeyValue { key: string; value: string }

export interface MlflowApi {
  readonly trackingUri: string;
  /** the server has answered at least one request */
  answered?(): boolean;
  getOrCreateExperiment(name: string): Promise<string>;
  /** all active runs of the experiment matching an MLflow filter string */
  searchRuns(experimentId: string, filter: string): Promise<MlflowRunInfo[]>;
  createRun(req: { experimentId: string; runName: string; startTime: number; tags: MlflowKeyValue[] }): Promise<MlflowRunInfo>;
  deleteRun(runId: string): Promise<void>;
  /** chunked to the server's limits by the implementation */
  logBatch(runId: string, batch: { metrics: MlflowWireMetric[]; params: MlflowKeyValue[]; tags: MlflowKeyValue[] }): Promise<void>;
  updateRun(runId: string, status: string, endTime: number): Promise<void>;
  uploadArtifact(run: MlflowRunInfo, artifactPath: string, localFile: string): Promise<void>;
}
