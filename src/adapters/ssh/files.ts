import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { DapError } from '../../errors.js';

// The developer's ssh files: key pair, ~/.ssh/config, dap's own known_hosts, and the user's
// known_hosts (only read, to verify a remote Docker host).

export interface SshFiles {
  /** ~/.ssh */
  dir: string;
  /** dap's known_hosts: only dap writes it, only for dap-NAME aliases */
  dapKnownHosts: string;
  /** the user's own known_hosts (DAP_SSH_KNOWN_HOSTS overrides): remote Docker hosts are checked against it */
  userKnownHosts: string;
  /** ~/.ssh/config, where dap keeps one managed block */
  config: string;
}

export function sshFiles(env: NodeJS.ProcessEnv): SshFiles {
  const dir = path.join(env.HOME || os.homedir(), '.ssh');
  return {
    dir,
    dapKnownHosts: path.join(dir, 'dap_known_hosts'),
    userKnownHosts: env.DAP_SSH_KNOWN_HOSTS || path.join(dir, 'known_hosts'),
    config: path.join(dir, 'config'),
  };
}

/** `~` or `~/…` as the user's home (HOME, else the account's); other paths as they are. */
export function expandHome(file: string, env: NodeJS.ProcessEnv): string {
  return file.replace(/^~(?=$|\/)/, env.HOME || os.homedir());
}

export interface KeyPair { privateKeyFile: string; publicKey: string }

/** The developer's key: --identity, else ~/.ssh/id_ed25519, id_ecdsa, id_rsa (first with a .pub). */
export async function findKeyPair(files: SshFiles, identity?: string): Promise<KeyPair> {
  const candidates = identity ? [identity] : ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((n) => path.join(files.dir, n));
  for (const file of candidates) {
    try {
      const publicKey = (await fs.readFile(`${file}.pub`, 'utf8')).trim();
      await fs.access(file);
      return { privateKeyFile: file, publicKey };
    } catch { /* next */ }
  }
  throw new DapError(identity ? `SSH key ${identity} (with ${identity}.pub) not found` : `no SSH key found in ${files.dir} (looked for id_ed25519, id_ecdsa, id_rsa with their .pub)`,
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
