import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import type { DockerEngine } from './engine.js';

// Containers and volumes of dev environments.

export interface RunSpec {
  name: string;
  image: string;
  cmd: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  /** container port -> host port, published on hostIp */
  ports: Record<number, number>;
  hostIp: string;
  /** volume name -> mount path */
  volumes: Record<string, string>;
  /** host directory -> mount path */
  binds?: Record<string, string>;
  /** `name:address` entries for /etc/hosts (`host-gateway` is the engine host) */
  extraHosts?: string[];
  /** -1: all GPUs */
  gpus?: number;
}

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  state: string;
  status: string;
  labels: Record<string, string>;
}

export async function createAndStart(engine: DockerEngine, spec: RunSpec): Promise<Docker.Container> {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const [cport, hport] of Object.entries(spec.ports)) {
    exposed[`${cport}/tcp`] = {};
    bindings[`${cport}/tcp`] = [{ HostIp: spec.hostIp, HostPort: String(hport) }];
  }
  const container = await engine.docker.createContainer({
    name: spec.name,
    Image: spec.image,
    Cmd: spec.cmd,
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: spec.labels,
    ExposedPorts: exposed,
    HostConfig: {
      PortBindings: bindings,
      Mounts: [
        ...Object.entries(spec.volumes).map(([Source, Target]) => ({ Type: 'volume' as const, Source, Target })),
        ...Object.entries(spec.binds ?? {}).map(([Source, Target]) => ({ Type: 'bind' as const, Source, Target })),
      ],
      ...(spec.extraHosts?.length ? { ExtraHosts: spec.extraHosts } : {}),
      Init: true,
      ...(spec.gpus !== undefined ? { DeviceRequests: [{ Driver: '', Count: spec.gpus, Capabilities: [['gpu']] }] } : {}),
    },
  });
  try {
    await container.start();
  } catch (err) {
    // never leave a created-but-not-started container behind
    await container.remove({ force: true }).catch(() => {});
    throw err;
  }
  return container;
}

export async function findContainer(engine: DockerEngine, name: string): Promise<Docker.ContainerInspectInfo | undefined> {
  try {
    return await engine.docker.getContainer(name).inspect();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

export async function removeContainer(engine: DockerEngine, name: string): Promise<boolean> {
  try {
    await engine.docker.getContainer(name).remove({ force: true });
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}

export async function listContainers(engine: DockerEngine, labels: Record<string, string>): Promise<ContainerSummary[]> {
  const filters = { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) };
  const list = await engine.docker.listContainers({ all: true, filters: JSON.stringify(filters) });
  return list.map((c) => ({
    id: c.Id, name: (c.Names[0] ?? '').replace(/^\//, ''), image: c.Image, state: c.State, status: c.Status, labels: c.Labels ?? {},
  }));
}

export async function ensureVolume(engine: DockerEngine, name: string, labels: Record<string, string>): Promise<void> {
  try {
    await engine.docker.getVolume(name).inspect();
  } catch {
    await engine.docker.createVolume({ Name: name, Labels: labels });
  }
}

/** docker exec; stdout/stderr demultiplexed. */
export async function execIn(engine: DockerEngine, container: string, argv: string[], user = 'root'):
  Promise<{ code: number; stdout: string; stderr: string }> {
  const c = engine.docker.getContainer(container);
  const ex = await c.exec({ Cmd: argv, AttachStdout: true, AttachStderr: true, User: user });
  const stream = await ex.start({ hijack: true, stdin: false });
  const out = new PassThrough();
  const err = new PassThrough();
  const o: Buffer[] = [];
  const e: Buffer[] = [];
  out.on('data', (b: Buffer) => o.push(b));
  err.on('data', (b: Buffer) => e.push(b));
  engine.docker.modem.demuxStream(stream, out, err);
  await new Promise<void>((resolve, reject) => { stream.on('end', resolve); stream.on('close', resolve); stream.on('error', reject); });
  const info = await ex.inspect();
  return { code: info.ExitCode ?? -1, stdout: Buffer.concat(o).toString('utf8'), stderr: Buffer.concat(e).toString('utf8') };
}

/** Container logs (stdout+stderr), optionally following. */
export async function containerLogs(engine: DockerEngine, name: string, opts: { follow: boolean; tail?: number },
  write: (chunk: Buffer) => void): Promise<void> {
  const c = engine.docker.getContainer(name);
  const out = new PassThrough();
  out.on('data', write);
  if (opts.follow) {
    const stream = await c.logs({ follow: true, stdout: true, stderr: true, tail: opts.tail ?? 'all' } as Docker.ContainerLogsOptions & { follow: true });
    engine.docker.modem.demuxStream(stream, out, out);
    await new Promise<void>((resolve) => { stream.on('end', resolve); stream.on('close', resolve); });
  } else {
    const buf = await c.logs({ follow: false, stdout: true, stderr: true, tail: opts.tail ?? 'all' } as Docker.ContainerLogsOptions & { follow: false });
    demuxBuffer(buf, write);
  }
}

/** The 8-byte-header multiplexed format of non-TTY logs, for a buffered answer. */
function demuxBuffer(buf: Buffer, write: (chunk: Buffer) => void): void {
  let i = 0;
  while (i + 8 <= buf.length) {
    const len = buf.readUInt32BE(i + 4);
    write(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
}
