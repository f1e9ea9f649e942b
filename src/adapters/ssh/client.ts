import ssh2 from 'ssh2';
import { Client } from 'ssh2';
import type { ClientChannel, ConnectConfig } from 'ssh2';
import { createHash } from 'node:crypto';
import type { HostKey } from '../../core/env/known-hosts.js';

// ssh2 connections that accept only pinned host keys: no trust on first use, ever.

export class HostKeyMismatchError extends Error {
  constructor(readonly host: string, readonly presented: string) {
    super(`host key of ${host} does not match the pinned key (presented SHA256:${presented})`);
    this.name = 'HostKeyMismatchError';
  }
}

export function fingerprint(keyBlob: Buffer): string {
  return createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

/** A hostVerifier for ssh2 that accepts exactly the given keys (raw key blobs compared). */
export function pinnedVerifier(pinned: readonly HostKey[], onMismatch?: (fp: string) => void): (key: Buffer) => boolean {
  const allowed = new Set(pinned.map((k) => k.base64));
  return (key: Buffer) => {
    const ok = allowed.has(key.toString('base64'));
    if (!ok) onMismatch?.(fingerprint(key));
    return ok;
  };
}

/** How dap itself can log in with the developer's key: directly, or through ssh-agent when it is passphrase-protected. */
export type KeyAuth = { privateKey: Buffer } | { agent: string };

export function keyAuth(privateKey: Buffer, agentSocket = process.env.SSH_AUTH_SOCK): KeyAuth | { error: string } {
  // ssh2 is CommonJS: `utils` is only reachable through the default export under Node's ESM
  const parsed = ssh2.utils.parseKey(privateKey);
  if (!(parsed instanceof Error)) return { privateKey };
  if (/encrypted|passphrase/i.test(parsed.message)) {
    return agentSocket ? { agent: agentSocket } : { error: 'the SSH key is passphrase-protected and no ssh-agent is running' };
  }
  return { error: `the SSH key cannot be read (${parsed.message})` };
}

export interface SshTarget {
  host: string;
  port: number;
  username: string;
  privateKey?: Buffer | string;
  agent?: string;
  pinned: readonly HostKey[];
  readyTimeoutMs?: number;
}

export interface SshExecResult { code: number | null; stdout: string; stderr: string }

/** Gather a command's stdout, stderr and exit code; `done` once its channel closes. */
export function collectExec(stream: ClientChannel, done: (r: SshExecResult) => void): void {
  const out: Buffer[] = [];
  const errs: Buffer[] = [];
  let code: number | null = null;
  stream.on('data', (b: Buffer) => out.push(b));
  stream.stderr.on('data', (b: Buffer) => errs.push(b));
  stream.on('exit', (c: number | null) => { code = c; });
  stream.on('close', () => done({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errs).toString('utf8') }));
}

/** Connect, run one command, disconnect. Rejects with HostKeyMismatchError on an unpinned key. */
export function sshExec(target: SshTarget, command: string): Promise<SshExecResult> {
  return new Promise((resolve, reject) => {
    const conn = new Client();
    let mismatch: string | undefined;
    const cfg: ConnectConfig = {
      host: target.host, port: target.port, username: target.username,
      ...(target.privateKey ? { privateKey: target.privateKey } : {}), ...(target.agent ? { agent: target.agent } : {}),
      readyTimeout: target.readyTimeoutMs ?? 10_000,
      hostVerifier: pinnedVerifier(target.pinned, (fp) => { mismatch = fp; }),
    };
    conn.on('ready', () => {
      conn.exec(command, (err, stream) => {
        if (err) { conn.end(); return reject(err); }
        collectExec(stream, (r) => { conn.end(); resolve(r); });
      });
    });
    conn.on('error', (err) => {
      conn.end();
      reject(mismatch ? new HostKeyMismatchError(`${target.host}:${target.port}`, mismatch) : err);
    });
    conn.connect(cfg);
  });
}
