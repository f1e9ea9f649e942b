// Artifacts through the tracking server's proxy (/api/2.0/mlflow-artifacts/…): clients need no
// storage credentials. Uploads stream from disk (never buffered whole); big files can go as
// multipart uploads (artifact-multipart.ts) when the server's store supports it.

import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { encodePath } from '../http/index.js';
import { ARTIFACTS_API, MlflowHttp } from './api.js';
import { multipartUpload, MultipartOptions, multipartFromEnv } from './artifact-multipart.js';
import { DapError } from '../../errors.js';
import { FileInfo } from './types.js';

const RUN_ID = /^[a-zA-Z0-9][\w-]{0,255}$/;

/** mlflow-artifacts:/1/abc/artifacts or mlflow-artifacts://host:port/1/abc/artifacts → 1/abc/artifacts */
export function proxyPathOf(artifactUri: string): string {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(artifactUri);
  if (m) return (m[1] ?? '').replace(/\/+$/, '');
  const h = /\/api\/2\.0\/mlflow-artifacts\/artifacts\/*(.*)$/.exec(artifactUri);
  if (h) return (h[1] ?? '').replace(/\/+$/, '');
  throw new DapError(`artifact URI ${artifactUri} is not served by the MLflow artifact proxy`, {
    hint: 'start the server with --serve-artifacts and without --default-artifact-root (scripts/services.sh does)',
  });
}

function checkRelative(p: string): string {
  const clean = p.replace(/\\/g, '/').replace(/^\/+/, '');
  if (clean.split('/').some((part) => part === '..')) throw new DapError(`artifact path ${p} must not contain ".."`);
  return clean;
}

const MIME: Record<string, string> = {
  '.json': 'application/json', '.txt': 'text/plain', '.csv': 'text/csv', '.yaml': 'text/yaml', '.yml': 'text/yaml',
  '.html': 'text/html', '.png': 'image/png', '.jpg': 'image/jpeg', '.svg': 'image/svg+xml', '.log': 'text/plain',
};

export interface UploadOptions {
  /** override the multipart decision (default: MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD and size threshold) */
  multipart?: Partial<MultipartOptions>;
}

export class Artifacts {
  private readonly roots = new Map<string, string>();

  constructor(private readonly api: MlflowHttp, private readonly runArtifactUri: (runId: string) => Promise<string>, private readonly env: NodeJS.ProcessEnv) {}

  /** Proxy path of a run's artifact root, from a run id or an artifact URI. */
  async root(runIdOrUri: string): Promise<string> {
    if (!RUN_ID.test(runIdOrUri) || runIdOrUri.includes(':')) return proxyPathOf(runIdOrUri);
    let r = this.roots.get(runIdOrUri);
    if (!r) {
      r = proxyPathOf(await this.runArtifactUri(runIdOrUri));
      this.roots.set(runIdOrUri, r);
    }
    return r;
  }

  /** Uploads one file to `destPath` (a file path inside the run's artifacts, e.g. "models/model.pt"). */
  async upload(runIdOrUri: string, localPath: string, destPath: string = path.basename(localPath), opts: UploadOptions = {}): Promise<{ bytes: number; multipart: boolean }> {
    const root = await this.root(runIdOrUri);
    const dest = checkRelative(destPath);
    const { size } = await stat(localPath);
    const mp = { ...multipartFromEnv(this.env), ...opts.multipart };
    if (mp.enabled && size >= mp.minimumSize) {
      const done = await multipartUpload(this.api, root, dest, localPath, size, mp);
      if (done) return { bytes: size, multipart: true };
    }
    await this.api.send(
      {
        method: 'PUT',
        path: `${ARTIFACTS_API}/artifacts/${encodePath(root)}/${encodePath(dest)}`,
        headers: { 'Content-Type': MIME[path.extname(dest).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': String(size) },
        // a fresh stream per attempt, so a retried upload starts again from byte 0
        body: () => createReadStream(localPath),
      },
      `upload of ${dest}`,
    );
    return { bytes: size, multipart: false };
  }

  /** Uploads every file under `localDir` to `destDir` (relative layout kept). Returns the files sent. */
  async uploadDirectory(runIdOrUri: string, localDir: string, destDir = ''): Promise<string[]> {
    const sent: string[] = [];
    const entries = await readdir(localDir, { withFileTypes: true, recursive: true });
    for (const e of entries.filter((x) => x.isFile()).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
      const rel = path.relative(localDir, full).split(path.sep).join('/');
      const dest = destDir ? `${destDir.replace(/\/+$/, '')}/${rel}` : rel;
      await this.upload(runIdOrUri, full, dest);
      sent.push(dest);
    }
    return sent;
  }

  /** Direct children of `dir` (relative to the run's artifact root); paths returned relative to the root. */
  async list(runIdOrUri: string, dir = ''): Promise<FileInfo[]> {
    const root = await this.root(runIdOrUri);
    const rel = dir ? checkRelative(dir).replace(/\/+$/, '') : '';
    const res = await this.api.send(
      { method: 'GET', path: `${ARTIFACTS_API}/artifacts`, query: { path: rel ? `${root}/${rel}` : root } },
      `list of artifacts${rel ? ` in ${rel}` : ''}`,
    );
    const body = await this.api.json<{ files?: FileInfo[] }>(res);
    return (body.files ?? [])
      .map((f) => ({ ...f, path: rel ? `${rel}/${f.path}` : f.path }))
      .sort((a, b) => a.path.localeCompare(b.path));
  }

  /** Every file below `dir`, recursively. */
  async listAll(runIdOrUri: string, dir = ''): Promise<FileInfo[]> {
    const out: FileInfo[] = [];
    for (const f of await this.list(runIdOrUri, dir)) {
      if (f.is_dir) out.push(...(await this.listAll(runIdOrUri, f.path)));
      else out.push(f);
    }
    return out;
  }

  /** Streams an artifact to `localPath` (written to a temp file, then renamed). */
  async download(runIdOrUri: string, artifactPath: string, localPath: string): Promise<number> {
    const root = await this.root(runIdOrUri);
    const res = await this.api.send(
      // streamed to disk, not buffered: artifacts can be large
      { method: 'GET', path: `${ARTIFACTS_API}/artifacts/${encodePath(root)}/${encodePath(checkRelative(artifactPath))}`, buffer: false },
      `download of ${artifactPath}`,
    );
    await mkdir(path.dirname(localPath), { recursive: true });
    const tmp = `${localPath}.part-${process.pid}`;
    try {
      if (!res.body) throw new DapError(`download of ${artifactPath}: empty response`);
      await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(tmp));
      await rename(tmp, localPath);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return (await stat(localPath)).size;
  }

  /** Deletes an artifact (file or directory) through the proxy (`mlflow server --serve-artifacts`). */
  async delete(runIdOrUri: string, artifactPath: string): Promise<void> {
    const root = await this.root(runIdOrUri);
    await this.api.send(
      { method: 'DELETE', path: `${ARTIFACTS_API}/artifacts/${encodePath(root)}/${encodePath(checkRelative(artifactPath))}` },
      `delete of ${artifactPath}`,
    );
  }
}
