// Public entry point of dap's MLflow REST client. Import from here, not from the resource files.
export { createMlflowClient } from './client.js';
export type { MlflowClient, MlflowClientOptions } from './client.js';
export { MlflowError, isNotFound, isAlreadyExists } from './errors.js';
export { LIMITS, MlflowValidationError, keyProblem, paramProblem, tagProblem, metricProblem, checkMetric, checkParam, checkTag } from './validation.js';
export { planLogBatch, encodeMetricValue } from './log-batch.js';
export type { MetricPoint, LogBatchInput, LogBatchResult } from './log-batch.js';
export type { CreateRunOptions, UpdateRunOptions, SearchRunsOptions, RunsPage } from './runs.js';
export type { CreateExperimentOptions } from './experiments.js';
export type { UploadOptions } from './artifacts.js';
export { proxyPathOf } from './artifacts.js';
export type { CreateModelVersionOptions } from './model-versions.js';
export type { CreateRegisteredModelOptions } from './registered-models.js';
export type * from './types.js';
