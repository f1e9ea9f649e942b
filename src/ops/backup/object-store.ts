// The object store (MinIO, or any S3 API) mirrored to and from a directory with boto3, the S3
// client MLflow's own environment ships. Credentials go through the environment, never argv;
// object keys that would escape the directory are refused.

import { exec } from '../../adapters/exec/exec.js';
import { DapError, UnavailableError } from '../../errors.js';
import type { BackupTargets } from './targets.js';

const MIRROR_PY = `
import json, os, sys, boto3, botocore
op, endpoint = sys.argv[1], sys.argv[2]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  config=botocore.config.Config(retries={"max_attempts": 3}, connect_timeout=10, read_timeout=120))
def safe(key):
    parts = key.split("/")
    return key and not key.startswith("/") and "\\\\" not in key and all(p not in ("", ".", "..") for p in parts)
def keys(bucket):
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for o in page.get("Contents", []):
            yield o["Key"], o["Size"]
if op == "buckets":
    print(json.dumps(sorted(b["Name"] for b in s3.list_buckets().get("Buckets", []))))
elif op == "download":
    bucket, dest = sys.argv[3], sys.argv[4]
    n = size = 0
    for key, sz in keys(bucket):
        if key.endswith("/") and sz == 0:
            continue  # a folder marker, not data
        if not safe(key):
            sys.exit(f"object key {key!r} in bucket {bucket} would escape the backup directory: refusing")
        path = os.path.join(dest, *key.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        s3.download_file(bucket, key, path)
        n += 1; size += sz
    print(json.dumps({"objects": n, "bytes": size}))
elif op == "upload":
    bucket, src = sys.argv[3], sys.argv[4]
    names = [b["Name"] for b in s3.list_buckets().get("Buckets", [])]
    if bucket not in names:
        s3.create_bucket(Bucket=bucket)
    wanted = {}
    for root, _, files in os.walk(src):
        for f in files:
            full = os.path.join(root, f)
            wanted[os.path.relpath(full, src).replace(os.sep, "/")] = full
    extra = [k for k, _ in keys(bucket) if k not in wanted]
    for i in range(0, len(extra), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in extra[i:i + 1000]]})
    for key, full in sorted(wanted.items()):
        s3.upload_file(full, bucket, key)
    print(json.dumps({"objects": len(wanted), "removed": len(extra)}))
`;

type Store = BackupTargets['objectStore'];

async function mirror<T>(store: Store, args: string[], what: string): Promise<T> {
  const env = { ...process.env, AWS_ACCESS_KEY_ID: store.accessKey, AWS_SECRET_ACCESS_KEY: store.secretKey, AWS_EC2_METADATA_DISABLED: 'true' };
  let r;
  try {
    r = await exec([store.python, '-c', MIRROR_PY, ...args], { env, timeoutMs: 6 * 3600_000 });
  } catch (e) {
    throw new DapError(`cannot run ${store.python} for the object store (${(e as NodeJS.ErrnoException).code})`, { hint: 'set DAP_BACKUP_PYTHON to a Python with boto3 (scripts/services.sh up makes one)' });
  }
  if (r.code !== 0) {
    const last = r.stderr.trim().split('\n').slice(-1)[0] ?? '';
    if (/Could not connect|EndpointConnectionError|Connection refused/i.test(r.stderr)) {
      throw new UnavailableError(`the object store at ${store.endpoint} does not answer (${what})`, 'start it first (scripts/services.sh start-minio, or docker compose start minio)');
    }
    throw new DapError(`${what} failed: ${last}`);
  }
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? 'null') as T;
}

export const listBuckets = (s: Store) => mirror<string[]>(s, ['buckets', s.endpoint], 'listing buckets');
export const downloadBucket = (s: Store, bucket: string, dir: string) => mirror<{ objects: number; bytes: number }>(s, ['download', s.endpoint, bucket, dir], `mirroring bucket ${bucket}`);
export const uploadBucket = (s: Store, bucket: string, dir: string) => mirror<{ objects: number; removed: number }>(s, ['upload', s.endpoint, bucket, dir], `restoring bucket ${bucket}`);
