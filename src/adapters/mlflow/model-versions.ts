// Model registry: versions, including one created from a run's artifact path.

import { MlflowHttp } from './api.js';
import { ModelVersion } from './types.js';

export interface CreateModelVersionOptions {
  name: string;
  /** where the model files are: an artifact URI (mlflow-artifacts:/…) or runs:/<run_id>/<path> */
  source: string;
  runId?: string;
  description?: string;
  tags?: Record<string, string>;
}

export class ModelVersions {
  /** resolves a run's artifact root URI (shared with Artifacts so runs are fetched once) */
  constructor(private readonly api: MlflowHttp, private readonly artifactUriOf: (runId: string) => Promise<string>) {}

  async create(opts: CreateModelVersionOptions): Promise<ModelVersion> {
    const tags = Object.entries(opts.tags ?? {}).map(([key, value]) => ({ key, value }));
    const r = await this.api.post<{ model_version: ModelVersion }>(
      '/model-versions/create',
      { name: opts.name, source: opts.source, run_id: opts.runId, description: opts.description, tags: tags.length ? tags : undefined },
      `create version of model "${opts.name}"`,
    );
    return r.model_version;
  }

  /** A version whose source is `artifactPath` inside the run's artifacts (resolved to the artifact URI). */
  async createFromRun(name: string, runId: string, artifactPath: string, opts: Omit<CreateModelVersionOptions, 'name' | 'source' | 'runId'> = {}): Promise<ModelVersion> {
    const root = await this.artifactUriOf(runId);
    const source = `${root.replace(/\/+$/, '')}/${artifactPath.replace(/^\/+/, '')}`;
    return this.create({ ...opts, name, source, runId });
  }

  async get(name: string, version: string | number): Promise<ModelVersion> {
    const r = await this.api.get<{ model_version: ModelVersion }>('/model-versions/get', { name, version: String(version) }, `get version ${version} of model "${name}"`);
    return r.model_version;
  }
}
