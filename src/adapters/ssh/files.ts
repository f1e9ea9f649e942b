import { createHmac } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { DapError } from '../../errors.js';
import type { HostKey } from '../../core/env/known-hosts.js';

// The developer's ssh files: key pair, ~/.ssh/config, dap's own known_hosts, and the user's
// known_hosts (only read, to verify a remote Docker host).

export function sshDir(): string {
  return path.join(process.env.HOME ?? os.homedir(), '.ssh');
}

/** dap's known_hosts: only dap writes it, only for dap-NAME aliases. */
export function dapKnownHostsFile(): string {
  return path.join(sshDir(), 'dap_known_hosts');
}

export function sshConfigFile(): string {
  return path.join(sshDir(), 'config');
}

export interface KeyPair { privateKeyFile: string; publicKey: string }

/** The developer's key: --identity, else ~/.ssh/id_ed25519, id_ecdsa, id_rsa (first with a .pub). */
export async function findKeyPair(identity?: string): Promise<KeyPair> {
  const candidates = identity ? [identity] : ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((n) => path.join(sshDir(), n));
  for (const file of candidates) {
    try {
      const publicKey = (await fs.readFile(`${file}.pub`, 'utf8')).trim();
      await fs.access(file);
      return { privateKeyFile: file, publicKey };
    } catch { /* next */ }
  }
  throw new DapError(identity ? `SSH key ${identity} (with ${identity}.pub) not found` : `no SSH key found in ${sshDir()} (looked for id_ed25519, id_ecdsa, id_rsa with their .pub)`,
    { hint: 'create one with `ssh-keygen -t ed25519` (or pass --identity FILE)' });
}

export async function readText(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

/** Atomic replace, keeping the file's mode (new files: 600), creating ~/.ssh as 700. */
export async function writeTextAtomic(file: string, text: string, mode = 0o600): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  let keep = mode;
  try { keep = (await fs.stat(file)).mode & 0o777; } catch { /* new file */ }
  await writeFileAtomic(file, text, { mode: keep });
}

/** Keys for host[:port] in an OpenSSH known_hosts text (plain and hashed `|1|` entries). */
export function knownHostKeys(text: string, host: string, port = 22): HostKey[] {
  const name = port === 22 ? host : `[${host}]:${port}`;
  const out: HostKey[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('@revoked')) continue;
    const fields = line.replace(/^@cert-authority\s+/, '').split(/\s+/);
    const [hosts, type, base64] = fields;
    if (!hosts || !type || !base64) continue;
    if (hosts.split(',').some((h) => hostMatches(h, name))) out.push({ type, base64 });
  }
  return out;
}

function hostMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  return pattern === name;
}
