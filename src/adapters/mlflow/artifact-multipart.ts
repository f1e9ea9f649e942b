// Multipart uploads through the proxy (MLflow's /mlflow-artifacts/mpu/{create,complete,abort}):
// the server starts an S3 multipart upload and hands out presigned part URLs; parts go straight
// to the object store (so the client must reach it), then the server completes the upload.
// Returns false when the server's store does not support it, so the caller falls back to a PUT.

import { createReadStream } from 'node:fs';
import path from 'node:path';
import { mapLimited } from '../../concurrency.js';
import { encodePath } from '../http/index.js';
import { ARTIFACTS_API, MlflowHttp } from './api.js';
import { MlflowError } from './errors.js';

export interface MultipartOptions {
  enabled: boolean;
  /** files at least this big go multipart (MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE, default 500 MiB) */
  minimumSize: number;
  /** part size (MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE, default 10 MiB; S3 needs ≥ 5 MiB except the last) */
  chunkSize: number;
  /** parts in flight at once */
  concurrency: number;
}

export function multipartFromEnv(env: NodeJS.ProcessEnv): MultipartOptions {
  const num = (name: string, d: number) => {
    const v = Number(env[name]);
    return env[name] && Number.isFinite(v) && v > 0 ? v : d;
  };
  return {
    enabled: /^(1|true|yes)$/i.test(env.MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD ?? ''),
    minimumSize: num('MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE', 500 * 1024 ** 2),
    chunkSize: Math.max(5 * 1024 ** 2, num('MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE', 10 * 1024 ** 2)),
    concurrency: 4,
  };
}

interface Credential { url: string; part_number: number | string; headers?: Record<string, string> }
interface CreateResponse { upload_id?: string; credentials: Credential[] }

const UNSUPPORTED = 'Multipart upload is not supported';

export async function multipartUpload(api: MlflowHttp, root: string, dest: string, localPath: string, size: number, opts: MultipartOptions): Promise<boolean> {
  const dir = path.posix.dirname(dest);
  const name = path.posix.basename(dest);
  const where = `${encodePath(root)}${dir === '.' ? '' : `/${encodePath(dir)}`}`;
  const numParts = Math.max(1, Math.ceil(size / opts.chunkSize));
  let created: CreateResponse;
  try {
    const res = await api.send(
      { method: 'POST', path: `${ARTIFACTS_API}/mpu/create/${where}`, json: { path: name, num_parts: numParts } },
      `multipart upload of ${dest}`,
    );
    created = await api.json<CreateResponse>(res);
  } catch (err) {
    if (err instanceof MlflowError && err.message.includes(UNSUPPORTED)) return false;
    throw err;
  }
  const uploadId = created.upload_id ?? '';
  try {
    const parts = await mapLimited(created.credentials, opts.concurrency, async (cred) => {
      const n = Number(cred.part_number);
      const start = (n - 1) * opts.chunkSize;
      const end = Math.min(size, start + opts.chunkSize) - 1;
      // Presigned URL of the object store: no Authorization header of ours.
      const res = await api.send(
        {
          method: 'PUT',
          path: cred.url,
          auth: false,
          headers: { ...(cred.headers ?? {}), 'Content-Length': String(end - start + 1) },
          body: () => createReadStream(localPath, { start, end }),
        },
        `part ${n} of ${dest}`,
      );
      await res.body?.cancel();
      return { part_number: n, etag: res.headers.get('etag') ?? '', url: cred.url };
    });
    parts.sort((a, b) => a.part_number - b.part_number);
    await api.send(
      { method: 'POST', path: `${ARTIFACTS_API}/mpu/complete/${where}`, json: { path: name, upload_id: uploadId, parts } },
      `completion of multipart upload of ${dest}`,
    );
    return true;
  } catch (err) {
    await api
      .send({ method: 'POST', path: `${ARTIFACTS_API}/mpu/abort/${where}`, json: { path: name, upload_id: uploadId } }, `abort of ${dest}`)
      .catch(() => undefined);
    throw err;
  }
}
