import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { exec, type ExecResult } from '../../src/adapters/exec/exec.js';
import { extraCas } from '../ops/env/helpers.js';

// Shared setup for the platform tests: `make secrets` into temp dirs, the real ansible-playbook
// against the repo's playbook, Compose v2 and the local stand-in images (scripts/compose.sh,
// scripts/platform-images.sh, both cached). Every name on the shared engine starts with dap-t12.

import { repoRoot } from '../support/repo.js';

export { repoRoot };
export const PREFIX = 'dap-t12';

export function tmpDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}-${name}-`));
}

export async function run(argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): Promise<ExecResult> {
  return exec(argv, { cwd: opts.cwd ?? repoRoot, env: { ...process.env, ...opts.env }, timeoutMs: opts.timeoutMs ?? 600_000, input: opts.input });
}

export async function mustRun(argv: string[], opts: Parameters<typeof run>[1] = {}): Promise<string> {
  const r = await run(argv, opts);
  if (r.code !== 0) throw new Error(`${argv.join(' ')} failed (${r.code}):\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  return r.stdout;
}

export async function makeSecrets(dir: string): Promise<ExecResult> {
  return run(['bash', 'scripts/secrets.sh', dir]);
}

export function readSecret(dir: string, name: string): string {
  return fs.readFileSync(path.join(dir, name), 'utf8');
}

export interface Recap { ok: number; changed: number; unreachable: number; failed: number; skipped: number }

/** The PLAY RECAP lines of an ansible-playbook run, per host. */
export function parseRecap(stdout: string): Record<string, Recap> {
  const out: Record<string, Recap> = {};
  const tail = stdout.slice(stdout.lastIndexOf('PLAY RECAP'));
  for (const m of tail.matchAll(/^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)/gm)) {
    out[m[1]!] = { ok: +m[2]!, changed: +m[3]!, unreachable: +m[4]!, failed: +m[5]!, skipped: +m[6]! };
  }
  return out;
}

export interface PlaybookRun extends ExecResult { recap: Record<string, Recap> }

/** ansible-playbook with the repo's site.yml, extra vars from a JSON file (never on argv). */
export async function playbook(opts: { inventory?: string; vars: Record<string, unknown>; args?: string[]; env?: NodeJS.ProcessEnv }): Promise<PlaybookRun> {
  const dir = tmpDir('vars');
  const varsFile = path.join(dir, 'vars.json');
  fs.writeFileSync(varsFile, JSON.stringify(opts.vars), { mode: 0o600 });
  const r = await run(['ansible-playbook', '-i', opts.inventory ?? 'ansible/inventory.yml', 'ansible/site.yml', '-e', `@${varsFile}`, ...(opts.args ?? [])], {
    env: { ANSIBLE_NOCOLOR: '1', ANSIBLE_FORCE_COLOR: '0', ANSIBLE_HOST_KEY_CHECKING: 'False', ANSIBLE_RETRY_FILES_ENABLED: 'False', ...opts.env },
    timeoutMs: 900_000,
  });
  fs.rmSync(dir, { recursive: true, force: true });
  return { ...r, recap: parseRecap(r.stdout) };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Compose v2 as the docker CLI plugin (built once, cached). */
export async function requireCompose(): Promise<void> {
  await mustRun(['bash', 'scripts/compose.sh', 'install'], { timeoutMs: 900_000 });
}

/** The local stand-in images (built once per recipe, content-hash tags): DAP_IMAGE_* → tag. */
export async function platformImages(): Promise<Record<string, string>> {
  const ca = extraCas();
  const out = await mustRun(['bash', 'scripts/platform-images.sh', 'build'], { env: ca ? { DAP_BUILD_CA_CERTS: ca } : {}, timeoutMs: 1_200_000 });
  const images: Record<string, string> = {};
  for (const m of out.matchAll(/^export (DAP_IMAGE_\w+)=(\S+)$/gm)) images[m[1]!] = m[2]!;
  return images;
}

/** Every regular file under dir (relative paths). */
export function listFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}
