// Experiments: get by name, create, get-or-create (safe against a concurrent creator).

import { DapError } from '../../errors.js';
import { MlflowHttp } from './api.js';
import { isAlreadyExists, isNotFound } from './errors.js';
import { Experiment, ExperimentTag } from './types.js';

export interface CreateExperimentOptions {
  artifactLocation?: string;
  tags?: Record<string, string>;
}

export class Experiments {
  constructor(private readonly api: MlflowHttp) {}

  async get(experimentId: string): Promise<Experiment> {
    const r = await this.api.get<{ experiment: Experiment }>('/experiments/get', { experiment_id: experimentId }, `get experiment ${experimentId}`);
    return r.experiment;
  }

  /** The experiment, or undefined when no experiment has this name. */
  async getByName(name: string): Promise<Experiment | undefined> {
    try {
      const r = await this.api.get<{ experiment: Experiment }>('/experiments/get-by-name', { experiment_name: name }, `get experiment "${name}"`);
      return r.experiment;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Creates the experiment and returns its id. */
  async delete(experimentId: string): Promise<void> {
    await this.api.post('/experiments/delete', { experiment_id: experimentId }, `delete experiment ${experimentId}`);
  }

  async restore(experimentId: string): Promise<void> {
    await this.api.post('/experiments/restore', { experiment_id: experimentId }, `restore experiment ${experimentId}`);
  }

  async create(name: string, opts: CreateExperimentOptions = {}): Promise<string> {
    const tags: ExperimentTag[] = Object.entries(opts.tags ?? {}).map(([key, value]) => ({ key, value }));
    const r = await this.api.post<{ experiment_id: string }>(
      '/experiments/create',
      { name, artifact_location: opts.artifactLocation, tags: tags.length ? tags : undefined },
      `create experiment "${name}"`,
    );
    return String(r.experiment_id);
  }

  /** Finds or creates; when another process creates it between our get and create, returns theirs. */
  async getOrCreate(name: string, opts: CreateExperimentOptions = {}): Promise<Experiment> {
    const found = await this.getByName(name);
    if (found?.lifecycle_stage === 'deleted') {
      // MLflow keeps deleted experiments' names taken and refuses new runs in them.
      throw new DapError(`MLflow experiment "${name}" (id ${found.experiment_id}) is deleted`, {
        hint: `restore it (mlflow experiments restore --experiment-id ${found.experiment_id}) or use another experiment name`,
      });
    }
    if (found) return found;
    try {
      return await this.get(await this.create(name, opts));
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const raced = await this.getByName(name);
      if (!raced) throw err;
      return raced;
    }
  }
}
