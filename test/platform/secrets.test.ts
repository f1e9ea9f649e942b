import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listFiles, makeSecrets, mustRun, readSecret, repoRoot, run, tmpDir } from './helpers.js';

// `make secrets` (scripts/secrets.sh): strong random secrets and a TLS CA, mode 0600, kept on re-runs.

const SECRET_FILES = [
  'gitlab_root_password', 'minio_root_password', 'minio_root_user', 'mlflow_db_password', 'mlflow_htpasswd',
  'mlflow_password', 'mlflow_s3_access_key', 'mlflow_s3_secret_key', 'mlflow_user', 'pgadmin_password',
  'postgres_data_password', 'postgres_password', 'tls/ca.crt', 'tls/ca.key',
];

describe('make secrets', () => {
  it('writes every secret once, 0600 in a 0700 directory, and prints none of them', async () => {
    const dir = path.join(tmpDir('secrets'), 's');
    const r = await makeSecrets(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(listFiles(dir)).toEqual(SECRET_FILES);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of SECRET_FILES) expect(fs.statSync(path.join(dir, f)).mode & 0o777, f).toBe(0o600);
    const passwords = ['postgres_password', 'postgres_data_password', 'mlflow_db_password', 'minio_root_password', 'mlflow_s3_secret_key', 'mlflow_password', 'gitlab_root_password'];
    const values = passwords.map((f) => readSecret(dir, f));
    for (const v of values) {
      expect(v).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(r.stdout + r.stderr).not.toContain(v);
    }
    expect(new Set(values).size).toBe(values.length);
  });

  it('keeps what exists on a second run and fills in only what is missing', async () => {
    const dir = path.join(tmpDir('secrets'), 's');
    await makeSecrets(dir);
    const before = Object.fromEntries(SECRET_FILES.map((f) => [f, readSecret(dir, f)]));
    fs.rmSync(path.join(dir, 'pgadmin_password'));
    const again = await makeSecrets(dir);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/created pgadmin_password in/);
    for (const f of SECRET_FILES.filter((x) => x !== 'pgadmin_password')) expect(readSecret(dir, f), f).toBe(before[f]);
    expect(readSecret(dir, 'pgadmin_password')).not.toBe(before.pgadmin_password);
    const third = await makeSecrets(dir);
    expect(third.stdout).toMatch(/all present/);
  });

  it('makes a CA that signs, and a bcrypt htpasswd line matching the MLflow password', async () => {
    const dir = path.join(tmpDir('secrets'), 's');
    await makeSecrets(dir);
    const ca = await mustRun(['openssl', 'x509', '-in', path.join(dir, 'tls/ca.crt'), '-noout', '-ext', 'basicConstraints,keyUsage']);
    expect(ca).toMatch(/CA:TRUE/);
    expect(ca).toMatch(/Certificate Sign/);
    const line = readSecret(dir, 'mlflow_htpasswd');
    expect(line).toMatch(/^dap:\$2y\$10\$/);
    // htpasswd -v reads the password from stdin with -i
    const ok = await run(['htpasswd', '-v', '-i', path.join(dir, 'mlflow_htpasswd'), 'dap'], { input: readSecret(dir, 'mlflow_password') });
    expect(ok.code, ok.stderr).toBe(0);
    const bad = await run(['htpasswd', '-v', '-i', path.join(dir, 'mlflow_htpasswd'), 'dap'], { input: 'wrong' });
    expect(bad.code).not.toBe(0);
  });

  it('is ignored by git in the repository', async () => {
    const r = await run(['git', 'check-ignore', '-q', 'infrastructure/secrets/postgres_password'], { cwd: repoRoot });
    expect(r.code).toBe(0);
  });

  it('stays out of the npm package (which the dap image is built from)', async () => {
    const dir = path.join(repoRoot, 'infrastructure/secrets');
    const canary = path.join(dir, 'dap-t12-canary');
    const made = !fs.existsSync(dir);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(canary, 'canary');
    try {
      const out = await mustRun(['npm', 'pack', '--dry-run', '--json'], { cwd: repoRoot });
      const files = (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
      expect(files).toContain('infrastructure/images.env');
      expect(files.filter((f) => f.startsWith('infrastructure/secrets'))).toEqual([]);
    } finally {
      fs.rmSync(made ? dir : canary, { recursive: true, force: true });
    }
  });

  it('refuses to make a new CA over a certificate whose key is gone', async () => {
    const dir = path.join(tmpDir('secrets'), 's');
    await makeSecrets(dir);
    fs.rmSync(path.join(dir, 'tls/ca.key'));
    const r = await makeSecrets(dir);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/ca\.key is missing but ca\.crt exists/);
  });
});
