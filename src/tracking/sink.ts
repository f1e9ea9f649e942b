import type { JournalPoint, OpenEvent } from './events.js';
import type { RunStatus } from '../core/mlflow/values.js';
import { DapError, ExitCode } from '../errors.js';

// Where journals are shipped to. One interface, so the shipper does not know MLflow, and tests
// and future backends can stand in.

export interface RunRef {
  runId: string;
  experimentId: string;
  artifactUri?: string;
}

export interface Batch {
  metrics: JournalPoint[];
  params: Record<string, string>;
  tags: Record<string, string>;
}

export interface TrackingSink {
  /** identifies the destination (cursor key, messages); never contains credentials */
  readonly uri: string;
  /** the server has answered at least one request (it is there, perhaps slow); undefined: unknown */
  answered?(): boolean;
  /** Finds the run tagged dap.identity = open.identity in open.experiment, or creates it (one winner if two race). */
  resolveRun(open: OpenEvent): Promise<RunRef>;
  /** Must be idempotent for an identical batch: re-sent points are exact duplicates. */
  logBatch(run: RunRef, batch: Batch): Promise<void>;
  /** Uploads one file to `dest` (a path inside the run's artifact root). Re-uploading replaces it. */
  uploadFile(run: RunRef, localFile: string, dest: string): Promise<void>;
  setStatus(run: RunRef, status: RunStatus, endTime: number): Promise<void>;
}

/** A refusal that retrying will not fix (invalid data): the shipper reports it and moves on. */
export class RejectedError extends DapError {
  /** the server's error code (e.g. INVALID_PARAMETER_VALUE), when it gave one */
  readonly code?: string;
  /** the HTTP status of the refusal */
  readonly status?: number;
  constructor(message: string, opts: { code?: string; status?: number } = {}) {
    super(message, { exitCode: ExitCode.failure });
    this.name = 'RejectedError';
    this.code = opts.code;
    this.status = opts.status;
  }
}
