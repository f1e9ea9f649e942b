import type Docker from 'dockerode';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import { UnavailableError, DapError } from '../../errors.js';
import { parseImageRef, tagOf } from '../../core/env/image-ref.js';
import { JsonLines, applyEvent, newStreamState } from '../../core/env/build-stream.js';
import type { StreamEvent, StreamState } from '../../core/env/build-stream.js';
import type { ConnectConfig } from 'ssh2';

// The Docker Engine API through dockerode: the only place dap talks to an engine. Ops get a
// DockerEngine and tests can count calls on it (a no-op `dap env build` makes no build call).

export interface EngineTarget {
  /** unix:///path, tcp://host:port or ssh://user@host[:port]; undefined: DOCKER_HOST or the default socket */
  host?: string;
  /** ssh only: connection options (key, host-key verifier) */
  ssh?: ConnectConfig;
  /** DOCKER_HOST, USER, SSH_AUTH_SOCK (default process.env) */
  env?: NodeJS.ProcessEnv;
}

export interface RegistryAuth { username: string; password: string; serveraddress: string }

export interface ImageInfo { id: string; repoDigests: string[]; labels: Record<string, string> }

export const ENGINE_HINT = 'start it with `make services`, `scripts/docker.sh up` or `sudo dockerd &` (or point DOCKER_HOST / --docker-host at a running engine)';

export function dockerOptions(target: EngineTarget): Docker.DockerOptions {
  const env = target.env ?? process.env;
  const host = target.host ?? env.DOCKER_HOST;
  if (!host) return { socketPath: '/var/run/docker.sock' };
  const url = new URL(host.includes('://') ? host : `tcp://${host}`);
  switch (url.protocol) {
    case 'unix:': return { socketPath: url.pathname };
    case 'ssh:':
      return {
        protocol: 'ssh', host: url.hostname, port: url.port ? Number(url.port) : 22,
        username: decodeURIComponent(url.username) || env.USER || 'root',
        sshOptions: { agent: env.SSH_AUTH_SOCK, ...target.ssh },
      } as Docker.DockerOptions;
    case 'tcp:': case 'http:': return { protocol: 'http', host: url.hostname, port: url.port || 2375 };
    case 'https:': return { protocol: 'https', host: url.hostname, port: url.port || 2376 };
    default: throw new DapError(`unsupported Docker host ${host}`, { hint: 'use unix:///var/run/docker.sock, tcp://HOST:PORT or ssh://USER@HOST' });
  }
}

const require = createRequire(import.meta.url);

export class DockerEngine {
  readonly where: string;
  private readonly options: Docker.DockerOptions;
  private client?: Docker;
  constructor(target: EngineTarget = {}) {
    this.options = dockerOptions(target);
    this.where = target.host ?? (target.env ?? process.env).DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  }

  /** dockerode, loaded on first use: it costs ~150 ms, and a no-op build needs only two GETs. */
  get docker(): Docker {
    if (!this.client) {
      const Dockerode = require('dockerode') as typeof Docker;
      this.client = new Dockerode(this.options);
    }
    return this.client;
  }

  /** Fails with an actionable message when no engine answers. */
  async ping(): Promise<void> {
    try {
      if (this.options.socketPath) await this.socketGet('/_ping');
      else await this.docker.ping();
    } catch (err) {
      throw new UnavailableError(`Docker engine at ${this.where} is not reachable (${(err as Error).message})`, ENGINE_HINT, err);
    }
  }

  async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    try {
      const info = this.options.socketPath
        ? JSON.parse(await this.socketGet(`/images/${encodeURIComponent(ref)}/json`)) as Docker.ImageInspectInfo
        : await this.docker.getImage(ref).inspect();
      return { id: info.Id, repoDigests: info.RepoDigests ?? [], labels: info.Config?.Labels ?? {} };
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  /** A plain GET on the local socket (same API dockerode speaks, without loading it). */
  private socketGet(apiPath: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = http.get({ socketPath: this.options.socketPath, path: apiPath, timeout: 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 500) < 300) return resolve(body);
          reject(Object.assign(new Error(`(HTTP code ${res.statusCode}) ${body.trim()}`), { statusCode: res.statusCode }));
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
    });
  }

  /** POST /build. Resolves with the folded stream; `state.error` is set when a step failed. */
  async build(context: Readable, opts: { tag: string; dockerfile: string; labels: Record<string, string> },
    onEvent: (ev: StreamEvent, printed: string[], state: StreamState) => void): Promise<StreamState> {
    const stream = await this.docker.buildImage(context, {
      t: opts.tag, dockerfile: opts.dockerfile, labels: opts.labels, rm: true, forcerm: true,
    });
    return follow(stream, onEvent);
  }

  async push(ref: string, auth: RegistryAuth | undefined,
    onEvent: (ev: StreamEvent, printed: string[], state: StreamState) => void): Promise<StreamState> {
    const stream = await this.docker.getImage(ref).push({ tag: tagOf(parseImageRef(ref)), ...(auth ? { authconfig: auth } : {}) } as object) as unknown as NodeJS.ReadableStream;
    return follow(stream, onEvent);
  }

  async pull(ref: string, auth: RegistryAuth | undefined,
    onEvent: (ev: StreamEvent, printed: string[], state: StreamState) => void = () => {}): Promise<StreamState> {
    const stream = await this.docker.pull(ref, auth ? { authconfig: auth } : {}) as NodeJS.ReadableStream;
    return follow(stream, onEvent);
  }

  async tag(source: string, target: string): Promise<void> {
    const ref = parseImageRef(target);
    await this.docker.getImage(source).tag({ repo: ref.name, tag: tagOf(ref) });
  }
}

function follow(stream: NodeJS.ReadableStream,
  onEvent: (ev: StreamEvent, printed: string[], state: StreamState) => void): Promise<StreamState> {
  const state = newStreamState();
  const lines = new JsonLines();
  return new Promise((resolve, reject) => {
    const handle = (evs: StreamEvent[]) => { for (const ev of evs) onEvent(ev, applyEvent(state, ev), state); };
    stream.on('data', (chunk: Buffer) => handle(lines.push(chunk.toString('utf8'))));
    stream.on('end', () => { handle(lines.end()); resolve(state); });
    stream.on('error', reject);
  });
}
