// Model registry: registered models.

import { MlflowHttp } from './api.js';
import { isAlreadyExists, isNotFound } from './errors.js';
import { RegisteredModel } from './types.js';

export interface CreateRegisteredModelOptions {
  description?: string;
  tags?: Record<string, string>;
}

export class RegisteredModels {
  constructor(private readonly api: MlflowHttp) {}

  async create(name: string, opts: CreateRegisteredModelOptions = {}): Promise<RegisteredModel> {
    const tags = Object.entries(opts.tags ?? {}).map(([key, value]) => ({ key, value }));
    const r = await this.api.post<{ registered_model: RegisteredModel }>(
      '/registered-models/create',
      { name, description: opts.description, tags: tags.length ? tags : undefined },
      `create registered model "${name}"`,
    );
    return r.registered_model;
  }

  /** The model, or undefined when there is none with this name. */
  async get(name: string): Promise<RegisteredModel | undefined> {
    try {
      const r = await this.api.get<{ registered_model: RegisteredModel }>('/registered-models/get', { name }, `get registered model "${name}"`);
      return r.registered_model;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async getOrCreate(name: string, opts: CreateRegisteredModelOptions = {}): Promise<RegisteredModel> {
    const found = await this.get(name);
    if (found) return found;
    try {
      return await this.create(name, opts);
    } catch (err) {
      const raced = isAlreadyExists(err) ? await this.get(name) : undefined;
      if (!raced) throw err;
      return raced;
    }
  }

  async delete(name: string): Promise<void> {
    await this.api.send({ method: 'DELETE', path: '/api/2.0/mlflow/registered-models/delete', json: { name } }, `delete registered model "${name}"`);
  }
}
