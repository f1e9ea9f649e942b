import { Client } from 'ssh2';
import type { ConnectConfig } from 'ssh2';
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

export interface SshTarget {
  host: string;
  port: number;
  username: string;
  privateKey: Buffer | string;
  pinned: readonly HostKey[];
  readyTimeoutMs?: number;
}

export interface SshExecResult { code: number | null; stdout: string; stderr: string }

/** Connect, run one command, disconnect. Rejects with HostKeyMismatchError on an unpinned key. */
export function sshExec(target: SshTarget, command: string): Promise<SshExecResult> {
  return new Promise((resolve, reject) => {
    const conn = new Client();
    let mismatch: string | undefined;
    const cfg: ConnectConfig = {
      host: target.host, port: target.port, username: target.username, privateKey: target.privateKey,
      readyTimeout: target.readyTimeoutMs ?? 10_000,
      hostVerifier: pinnedVerifier(target.pinned, (fp) => { mismatch = fp; }),
    };
    conn.on('ready', () => {
      conn.exec(command, (err, stream) => {
        if (err) { conn.end(); return reject(err); }
        const out: Buffer[] = [];
        const errs: Buffer[] = [];
        let code: number | null = null;
        stream.on('data', (b: Buffer) => out.push(b));
        stream.stderr.on('data', (b: Buffer) => errs.push(b));
        stream.on('exit', (c: number | null) => { code = c; });
        stream.on('close', () => {
          conn.end();
          resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errs).toString('utf8') });
        });
      });
    });
    conn.on('error', (err) => {
      conn.end();
      reject(mismatch ? new HostKeyMismatchError(`${target.host}:${target.port}`, mismatch) : err);
    });
    conn.connect(cfg);
  });
}
