// MLflow REST 2.0 entities as the server returns them (JSON of the protobuf messages in
// mlflow/protos/service.proto). int64 fields arrive as strings or numbers depending on the
// server version, so they are typed loosely and normalised where dap reads them.

import type { MetricValue, RunStatus } from '../../core/mlflow/values.js';

export type Int64 = number | string;

export interface ExperimentTag { key: string; value: string }

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage?: 'active' | 'deleted';
  last_update_time?: Int64;
  creation_time?: Int64;
  tags?: ExperimentTag[];
}

export interface RunInfo {
  run_id: string;
  run_uuid?: string;
  run_name?: string;
  experiment_id: string;
  user_id?: string;
  status: RunStatus;
  start_time?: Int64;
  end_time?: Int64;
  artifact_uri?: string;
  lifecycle_stage?: 'active' | 'deleted';
}

export interface Metric { key: string; value: MetricValue; timestamp: Int64; step?: Int64 }
export interface Param { key: string; value: string }
export interface RunTag { key: string; value: string }

export interface RunData { metrics?: Metric[]; params?: Param[]; tags?: RunTag[] }

export interface Run { info: RunInfo; data: RunData }

export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

export interface FileInfo { path: string; is_dir: boolean; file_size?: Int64 }

export interface RegisteredModel {
  name: string;
  creation_timestamp?: Int64;
  last_updated_timestamp?: Int64;
  description?: string;
  latest_versions?: ModelVersion[];
  tags?: Array<{ key: string; value: string }>;
}

export type ModelVersionStatus = 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';

export interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp?: Int64;
  last_updated_timestamp?: Int64;
  current_stage?: string;
  description?: string;
  source?: string;
  run_id?: string;
  status?: ModelVersionStatus;
  run_link?: string;
  tags?: Array<{ key: string; value: string }>;
}
