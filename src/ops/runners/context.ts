import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { DapError, ProblemsError, UsageError } from '../../errors.js';
import { schemasDir } from '../../paths.js';
import { parseInventory } from '../../core/runners/inventory.js';
import type { RunnerHost } from '../../core/runners/inventory.js';
import { pinHostKey, pinnedKeys } from '../../core/env/known-hosts.js';
import type { HostKey } from '../../core/env/known-hosts.js';
import { expandHome, readText, sshFiles, writeTextAtomic } from '../../adapters/ssh/files.js';
import { HostKeyMismatchError, keyAuth } from '../../adapters/ssh/client.js';
import { SshSession, UnknownHostKeyError } from '../../adapters/ssh/session.js';

// What every `dap runners` command shares: the inventory, dap's known_hosts, and an SSH session
// per host whose failures read as one line naming the host.

export const INVENTORY_PATH = path.join('infrastructure', 'runners.yaml');

/** --inventory FILE, else infrastructure/runners.yaml in this directory or the nearest parent with one. */
export function findInventory(explicit?: string, cwd = process.cwd()): string {
  if (explicit) return path.resolve(cwd, explicit);
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, INVENTORY_PATH);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  throw new UsageError(`no ${INVENTORY_PATH} here or in a parent directory`, 'run from a dap project, or pass --inventory FILE (see docs/runners.md)');
}

export async function loadInventory(file: string, cwd = process.cwd()): Promise<RunnerHost[]> {
  let source: string;
  try {
    source = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the runner inventory ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const schema = JSON.parse(await fs.readFile(path.join(schemasDir, 'runners.schema.json'), 'utf8')) as object;
  const shown = path.relative(cwd, file) || file;
  const result = parseInventory({ file: shown.startsWith('..') ? file : shown, source, schema });
  if (!result.ok) throw new ProblemsError(result.problems, `${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} in the runner inventory`);
  return result.hosts;
}

/** A failure on one host: the message already names the host; the other hosts go on. */
export class HostError extends Error {
  constructor(readonly host: string, message: string) {
    super(message);
    this.name = 'HostError';
  }
}

export interface HostKeyPolicy {
  acceptNew: boolean;
  /** asked on first contact when acceptNew is off (an interactive terminal); undefined: refuse */
  confirm?: (question: string) => Promise<boolean>;
  /** told when a key is pinned */
  onPinned?: (host: RunnerHost, fingerprint: string) => void;
}

export function knownHostsAlias(host: RunnerHost): string {
  return host.port === 22 ? host.address : `[${host.address}]:${host.port}`;
}

// pins from parallel first contacts go through one chain, so none overwrites another
let pinChain: Promise<unknown> = Promise.resolve();
function pin(alias: string, key: HostKey, env: NodeJS.ProcessEnv): Promise<void> {
  const next = pinChain.then(async () => {
    const file = sshFiles(env).dapKnownHosts;
    await writeTextAtomic(file, pinHostKey(await readText(file), alias, key));
  });
  pinChain = next.catch(() => undefined);
  return next;
}

// questions are asked one at a time even though hosts connect in parallel
let askChain: Promise<unknown> = Promise.resolve();

async function credentials(host: RunnerHost, env: NodeJS.ProcessEnv): Promise<{ privateKey?: Buffer; agent?: string }> {
  if (host.identityFile) {
    const file = expandHome(host.identityFile, env);
    let key: Buffer;
    try {
      key = await fs.readFile(file);
    } catch {
      throw new HostError(host.name, `${host.name}: identity_file ${host.identityFile} cannot be read`);
    }
    const auth = keyAuth(key);
    if ('error' in auth) throw new HostError(host.name, `${host.name}: ${auth.error}`);
    return auth;
  }
  if (!env.SSH_AUTH_SOCK) throw new HostError(host.name, `${host.name}: no identity_file and no ssh-agent (SSH_AUTH_SOCK) to log in with`);
  return { agent: env.SSH_AUTH_SOCK };
}

/** An SSH session to the host with its key pinned in dap's known_hosts; every failure is a HostError. */
export async function connectHost(host: RunnerHost, policy: HostKeyPolicy, env: NodeJS.ProcessEnv, timeoutMs = 10_000): Promise<SshSession> {
  const where = `${host.name} (${host.user}@${host.address}:${host.port})`;
  const alias = knownHostsAlias(host);
  const auth = await credentials(host, env);
  const target = { host: host.address, port: host.port, username: host.user, ...auth, readyTimeoutMs: timeoutMs };
  const knownHosts = sshFiles(env).dapKnownHosts;
  const pinned = pinnedKeys(await readText(knownHosts), alias);
  try {
    const session = await SshSession.open({ ...target, pinned, acceptNew: policy.acceptNew });
    if (session.newKey) {
      await pin(alias, session.newKey, env);
      policy.onPinned?.(host, session.newKey.fingerprint);
    }
    return session;
  } catch (err) {
    if (err instanceof UnknownHostKeyError && policy.confirm) {
      const ask = askChain.then(() => policy.confirm!(`${where} presents host key ${err.key.type} SHA256:${err.fingerprint}. Trust it?`));
      askChain = ask.catch(() => undefined);
      if (await ask) {
        // reconnect trusting exactly the key that was shown
        const session = await SshSession.open({ ...target, pinned: [err.key] }).catch((e: unknown) => { throw sshFailure(where, e, knownHosts); });
        await pin(alias, err.key, env);
        policy.onPinned?.(host, err.fingerprint);
        return session;
      }
    }
    throw sshFailure(where, err, knownHosts);
  }
}

function sshFailure(where: string, err: unknown, knownHosts: string): HostError {
  const name = where.split(' ')[0]!;
  if (err instanceof HostError) return err;
  if (err instanceof HostKeyMismatchError) {
    return new HostError(name, `${where}: HOST KEY CHANGED (presented SHA256:${err.presented}, not the key pinned in ${knownHosts}); refusing to connect. If the host was reinstalled, remove its line from that file and run again`);
  }
  if (err instanceof UnknownHostKeyError) {
    return new HostError(name, `${where}: unknown host key ${err.key.type} SHA256:${err.fingerprint}; check it and run again with --accept-new-host-keys to pin it`);
  }
  const e = err as NodeJS.ErrnoException & { level?: string };
  if (e.level === 'client-authentication' || /authentication methods failed/i.test(e.message)) {
    return new HostError(name, `${where}: SSH authentication failed (the key was not accepted for user ${where.split('(')[1]!.split('@')[0]})`);
  }
  if (e.code === 'ECONNREFUSED' || e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH' || e.code === 'ETIMEDOUT' || e.code === 'ENOTFOUND' || e.level === 'client-timeout' || /timed out/i.test(e.message)) {
    return new HostError(name, `${where}: unreachable (${e.code ?? e.message})`);
  }
  return new HostError(name, `${where}: SSH failed (${e.message})`);
}

export function rejectUnknownHosts(unknown: string[]): void {
  if (unknown.length) throw new DapError(`not in the inventory: ${unknown.join(', ')}`, { hint: 'host names are the keys under hosts: in infrastructure/runners.yaml' });
}
