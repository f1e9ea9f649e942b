import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { listFiles, makeSecrets, mustRun, playbook, readSecret, repoRoot, requireCompose, run, tmpDir } from './helpers.js';

// The service host's compose project as the service_host role renders it (--tags render: nothing
// starts), checked with the real `docker compose config`, ansible-playbook --syntax-check and
// ansible-lint; GitLab's rendered settings against the keys GitLab documents.

interface ComposeService {
  image: string;
  restart?: string;
  profiles?: string[];
  ports?: unknown[];
  healthcheck?: { test: string[] };
  logging?: { driver: string; options: Record<string, string> };
  depends_on?: Record<string, { condition: string }>;
  volumes?: Array<{ type: string; source: string; target: string }>;
  environment?: Record<string, string>;
  configs?: Array<{ source: string; target: string }>;
  secrets?: Array<{ source: string }>;
  build?: unknown;
}
interface ComposeProject { name: string; services: Record<string, ComposeService>; secrets: Record<string, { file: string }> }

const images = Object.fromEntries(
  fs.readFileSync(path.join(repoRoot, 'infrastructure/images.env'), 'utf8').split('\n')
    .filter((l) => /^DAP_IMAGE_\w+=/.test(l)).map((l) => l.split('=') as [string, string]),
);

let secrets = '';
let stack = '';
let project: ComposeProject;

async function composeConfig(dir: string, env: NodeJS.ProcessEnv = {}): Promise<ComposeProject> {
  const out = await mustRun(['docker', 'compose', '--env-file', '../images.env', '--env-file', 'settings.env', '-f', 'service-host.yml',
    '--profile', 'gitlab', '--profile', 'pgadmin', 'config', '--format', 'json'], { cwd: path.join(dir, 'compose'), env });
  return JSON.parse(out) as ComposeProject;
}

beforeAll(async () => {
  await requireCompose();
  const root = tmpDir('static');
  secrets = path.join(root, 'secrets');
  stack = path.join(root, 'stack');
  await makeSecrets(secrets);
  const r = await playbook({
    vars: { dap_secrets_dir: secrets, service_stack_dir: stack, service_stack_name: 'dap-t12-static', service_profiles: ['gitlab', 'pgadmin'] },
    args: ['--tags', 'render', '--limit', 'localhost'],
  });
  if (r.code !== 0) throw new Error(`render failed:\n${r.stdout.slice(-4000)}`);
  // the process environment must not mask images.env (the stack tests set DAP_IMAGE_* there)
  const clean = Object.fromEntries(Object.keys(process.env).filter((k) => k.startsWith('DAP_')).map((k) => [k, undefined]));
  project = await composeConfig(stack, clean);
});

describe('the service host compose project', () => {
  it('is named from settings, with every image from images.env', () => {
    expect(project.name).toBe('dap-t12-static');
    const expected: Record<string, string> = {
      'postgres-service': images.DAP_IMAGE_POSTGRES!, 'postgres-data': images.DAP_IMAGE_POSTGRES!, 'postgres-init': images.DAP_IMAGE_POSTGRES!,
      minio: images.DAP_IMAGE_MINIO!, 'minio-init': images.DAP_IMAGE_MC!, mlflow: images.DAP_IMAGE_MLFLOW!,
      gitlab: images.DAP_IMAGE_GITLAB!, pgadmin: images.DAP_IMAGE_PGADMIN!, nginx: images.DAP_IMAGE_NGINX!,
    };
    expect(Object.fromEntries(Object.entries(project.services).map(([k, s]) => [k, s.image]))).toEqual(expected);
    // pinned: a tag that names a version, never latest
    for (const img of Object.values(images)) expect(img).toMatch(/:[\w.-]*\d[\w.-]*$/);
  });

  it('turns the profiles on from settings.env alone (what compose-up.sh runs)', async () => {
    const out = await mustRun(['docker', 'compose', '--env-file', '../images.env', '--env-file', 'settings.env', '-f', 'service-host.yml', 'config', '--services'],
      { cwd: path.join(stack, 'compose') });
    expect(out.trim().split('\n').sort()).toEqual(['gitlab', 'minio', 'minio-init', 'mlflow', 'nginx', 'pgadmin', 'postgres-data', 'postgres-init', 'postgres-service']);
  });

  it('overrides an image through the environment (how the tests swap in local images)', async () => {
    const p = await composeConfig(stack, { DAP_IMAGE_NGINX: 'local/dap-nginx:override' });
    expect(p.services.nginx!.image).toBe('local/dap-nginx:override');
  });

  it('gives long-running services a healthcheck, restart unless-stopped and rotated logs', () => {
    for (const [name, s] of Object.entries(project.services)) {
      expect(s.logging, name).toEqual({ driver: 'json-file', options: { 'max-size': '10m', 'max-file': '5' } });
      if (name.endsWith('-init')) {
        // one-shot jobs: their check is exiting 0, which dependants wait for
        expect(s.restart ?? 'no', name).toBe('no');
        continue;
      }
      expect(s.restart, name).toBe('unless-stopped');
      expect(s.healthcheck?.test.length, name).toBeGreaterThan(1);
    }
  });

  it('waits on health (or completion of the one-shot jobs), never on mere start', () => {
    for (const [name, s] of Object.entries(project.services)) {
      for (const [dep, d] of Object.entries(s.depends_on ?? {})) {
        expect(d.condition, `${name} -> ${dep}`).toBe(dep.endsWith('-init') ? 'service_completed_successfully' : 'service_healthy');
      }
    }
    expect(Object.keys(project.services.mlflow!.depends_on!).sort()).toEqual(['minio', 'minio-init', 'postgres-init', 'postgres-service']);
  });

  it('publishes ports from nginx only and keeps data in named volumes', () => {
    for (const [name, s] of Object.entries(project.services)) {
      if (name !== 'nginx') expect(s.ports ?? [], name).toEqual([]);
      for (const v of s.volumes ?? []) expect(v.type, `${name} ${v.target}`).toBe('volume');
    }
    expect(project.services.nginx!.ports).toHaveLength(2);
  });

  it('hands secrets over as files in the 0700 secrets directory, none in the configuration', () => {
    for (const [name, s] of Object.entries(project.secrets)) {
      expect(s.file.startsWith(path.join(stack, 'compose/secrets/')), name).toBe(true);
    }
    expect(fs.statSync(path.join(stack, 'compose/secrets')).mode & 0o777).toBe(0o700);
    const values = ['postgres_password', 'postgres_data_password', 'mlflow_db_password', 'minio_root_password', 'mlflow_s3_secret_key', 'mlflow_password', 'gitlab_root_password']
      .map((f) => readSecret(secrets, f));
    const rendered = listFiles(stack).filter((f) => !f.startsWith('compose/secrets/'));
    expect(rendered.length).toBeGreaterThan(8);
    const config = JSON.stringify(project);
    for (const v of values) {
      expect(config).not.toContain(v);
      for (const f of rendered) expect(fs.readFileSync(path.join(stack, f), 'utf8'), f).not.toContain(v);
    }
  });
});

describe('GitLab settings', () => {
  const documented = new Set(
    fs.readFileSync(path.join(import.meta.dirname, 'fixtures/gitlab-18.5.1-settings.txt'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')),
  );

  it('reads the rendered file through from_file, with the root password from the secret', () => {
    const gitlab = project.services.gitlab!;
    expect(gitlab.profiles).toEqual(['gitlab']);
    expect(gitlab.environment).toEqual({ GITLAB_OMNIBUS_CONFIG: "from_file('/omnibus_config.rb')" });
    expect(gitlab.configs).toEqual([expect.objectContaining({ source: 'gitlab_omnibus', target: '/omnibus_config.rb' })]);
    expect(gitlab.secrets).toEqual([expect.objectContaining({ source: 'gitlab_root_password' })]);
  });

  it('uses only settings documented for the pinned GitLab version', () => {
    expect(images.DAP_IMAGE_GITLAB, 'the fixture names the pinned version: refresh it with the pin').toBe('gitlab/gitlab-ce:18.5.1-ce.0');
    const text = fs.readFileSync(path.join(stack, 'compose/gitlab/omnibus_config.rb'), 'utf8');
    const lines = text.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) {
      const key = /^([a-z_]+(?:\['[a-z_]+'\])*)\s*(?:=|')/.exec(line)?.[1];
      expect(key, line).toBeDefined();
      // registry_nginx takes every nginx setting (the template says so in its Registry NGINX section)
      const ok = documented.has(key!) || documented.has(key!.replace(/^registry_nginx/, 'nginx'));
      expect(ok, `${key} is not a documented GitLab setting`).toBe(true);
    }
  });

  it('terminates TLS at our nginx and trusts only its network', () => {
    const text = fs.readFileSync(path.join(stack, 'compose/gitlab/omnibus_config.rb'), 'utf8');
    expect(text).toMatch(/^external_url 'https:\/\/gitlab\.dap\.internal'$/m);
    expect(text).toMatch(/^registry_external_url 'https:\/\/registry\.dap\.internal'$/m);
    expect(text).toMatch(/^nginx\['listen_https'\] = false$/m);
    expect(text).toMatch(/^letsencrypt\['enable'\] = false$/m);
    expect(text).toMatch(/^nginx\['real_ip_trusted_addresses'\] = \['172\.31\.250\.0\/24'\]$/m);
    expect(text).toMatch(/^gitlab_rails\['initial_root_password'\] = File\.read\('\/run\/secrets\/gitlab_root_password'\)/m);
  });
});

/** A self-signed certificate for the given names made with Python's cryptography (Debian's python3). */
async function selfSigned(dir: string, opts: { names: string[]; days: number }): Promise<{ cert: string; key: string }> {
  const cert = path.join(dir, 'byo.crt');
  const key = path.join(dir, 'byo.key');
  const py = `
import datetime, ipaddress, sys
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
cert_path, key_path, days, *names = sys.argv[1:]
k = ec.generate_private_key(ec.SECP256R1())
now = datetime.datetime.now(datetime.timezone.utc)
end = now + datetime.timedelta(days=int(days))
start = min(now, end) - datetime.timedelta(days=1)
subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
c = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(k.public_key())
     .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
     .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
     .sign(k, hashes.SHA256()))
open(cert_path, "wb").write(c.public_bytes(serialization.Encoding.PEM))
open(key_path, "wb").write(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
`;
  await mustRun(['/usr/bin/python3', '-c', py, cert, key, String(opts.days), ...opts.names]);
  return { cert, key };
}

const ALL_NAMES = ['gitlab.dap.internal', 'registry.dap.internal', 'mlflow.dap.internal', 'minio.dap.internal', 'pgadmin.dap.internal'];

describe('bad input, refused before anything is written', { timeout: 600_000 }, () => {
  async function render(extra: Record<string, unknown>, secretsDir = secrets) {
    const dir = tmpDir('bad');
    const target = path.join(dir, 'stack');
    const r = await playbook({ vars: { dap_secrets_dir: secretsDir, service_stack_dir: target, service_stack_name: 'dap-t12-bad', ...extra }, args: ['--tags', 'render', '--limit', 'localhost'] });
    return { r, dir, target };
  }

  it('names missing secrets and says to run make secrets', async () => {
    const partial = path.join(tmpDir('partial'), 's');
    await makeSecrets(partial);
    fs.rmSync(path.join(partial, 'mlflow_db_password'));
    fs.rmSync(path.join(partial, 'tls/ca.key'));
    const { r, target } = await render({}, partial);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain(`missing secrets on the controller: ${partial}/mlflow_db_password, ${partial}/tls/ca.key`);
    expect(r.stdout).toContain('Run `make secrets`');
    expect(fs.existsSync(target)).toBe(false);
  });

  it('refuses an expired certificate', async () => {
    const dir = tmpDir('byo');
    const byo = await selfSigned(dir, { names: ALL_NAMES, days: -2 });
    const { r, target } = await render({ service_tls_cert: byo.cert, service_tls_key: byo.key });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain(`${byo.cert} has expired or is not a PEM certificate`);
    expect(fs.existsSync(target)).toBe(false);
  });

  it('refuses a certificate that does not belong to its key', async () => {
    const a = await selfSigned(tmpDir('byo'), { names: ALL_NAMES, days: 30 });
    const b = await selfSigned(tmpDir('byo'), { names: ALL_NAMES, days: 30 });
    const { r, target } = await render({ service_tls_cert: a.cert, service_tls_key: b.key });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain(`${a.cert} does not belong to the key ${b.key}`);
    expect(r.stdout).not.toContain('BEGIN PRIVATE KEY');
    expect(fs.existsSync(target)).toBe(false);
  });

  it('refuses a certificate that lacks a service name', async () => {
    const byo = await selfSigned(tmpDir('byo'), { names: ['gitlab.dap.internal'], days: 30 });
    const { r, target } = await render({ service_tls_cert: byo.cert, service_tls_key: byo.key });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/does NOT match certificate/);
    expect(fs.existsSync(target)).toBe(false);
  });

  it('takes a good certificate as it is, instead of issuing one', async () => {
    const byo = await selfSigned(tmpDir('byo'), { names: ALL_NAMES, days: 30 });
    const { r, target } = await render({ service_tls_cert: byo.cert, service_tls_key: byo.key });
    expect(r.code, r.stdout.slice(-3000)).toBe(0);
    expect(fs.readFileSync(path.join(target, 'compose/secrets/tls/server.crt'), 'utf8')).toBe(fs.readFileSync(byo.cert, 'utf8'));
  });
});

describe('the playbook', { timeout: 600_000 }, () => {
  it('passes ansible-playbook --syntax-check', async () => {
    const r = await run(['ansible-playbook', '--syntax-check', '-i', 'ansible/inventory.yml', 'ansible/site.yml']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('passes ansible-lint (production profile)', async () => {
    const r = await run(['ansible-lint', '--nocolor', '-p', '--profile', 'production', 'ansible/site.yml'], { timeoutMs: 600_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/Passed with production profile: 0 failure\(s\), 0 warning\(s\)/);
  });

  it('keeps the default inventory a single localhost holding every role', () => {
    const inv = parseYaml(fs.readFileSync(path.join(repoRoot, 'ansible/inventory.yml'), 'utf8')) as { all: { children: Record<string, { hosts: Record<string, unknown> }> } };
    for (const group of ['service_hosts', 'runner_hosts', 'dev_hosts']) expect(Object.keys(inv.all.children[group]!.hosts)).toEqual(['localhost']);
  });
});
