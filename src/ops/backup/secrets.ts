// Secrets in a backup: a tar of the secret files, encrypted by openssl (AES-256-CBC, PBKDF2 with
// 200k iterations) with a passphrase handed over in the environment, never argv. An admin can
// open it without dap: openssl enc -d -aes-256-cbc -pbkdf2 -iter 200000 -in secrets.tar.enc | tar -x

import { PassThrough } from 'node:stream';
import { exec } from '../../adapters/exec/exec.js';
import { DapError, UsageError } from '../../errors.js';

export const SECRETS_FILE = 'secrets.tar.enc';
export const OPENSSL_ARGS = ['enc', '-aes-256-cbc', '-pbkdf2', '-iter', '200000'];

export function passphraseFrom(env: NodeJS.ProcessEnv): string {
  const p = env.DAP_BACKUP_PASSPHRASE ?? '';
  if (p.length < 12) throw new UsageError('backing up secrets needs a passphrase of at least 12 characters', 'set DAP_BACKUP_PASSPHRASE (keep it apart from the backups)');
  return p;
}

export async function encryptFiles(files: readonly string[], out: string, passphrase: string): Promise<void> {
  const pipe = new PassThrough();
  const env = { ...process.env, DAP_BACKUP_PASSPHRASE: passphrase };
  const rel = files.map((f) => f.replace(/^\/+/, ''));
  const [tar, ssl] = await Promise.all([
    exec(['tar', '-cf', '-', '-C', '/', '--', ...rel], { stdout: pipe }).finally(() => pipe.end()),
    exec(['openssl', ...OPENSSL_ARGS, '-salt', '-pass', 'env:DAP_BACKUP_PASSPHRASE', '-out', out], { stdin: pipe, env }),
  ]);
  if (tar.code !== 0) throw new DapError(`packing the secrets failed: ${tar.stderr.trim()}`);
  if (ssl.code !== 0) throw new DapError(`encrypting the secrets failed: ${ssl.stderr.trim()}`);
}

/** The names in the encrypted tar (proves the passphrase and the file). */
export async function listEncrypted(file: string, passphrase: string): Promise<string[]> {
  const pipe = new PassThrough();
  const env = { ...process.env, DAP_BACKUP_PASSPHRASE: passphrase };
  const [ssl, tar] = await Promise.all([
    exec(['openssl', ...OPENSSL_ARGS, '-d', '-pass', 'env:DAP_BACKUP_PASSPHRASE', '-in', file], { stdout: pipe, env }).finally(() => pipe.end()),
    exec(['tar', '-tf', '-'], { stdin: pipe }),
  ]);
  if (ssl.code !== 0) throw new DapError('cannot decrypt the secrets: wrong passphrase or damaged file');
  if (tar.code !== 0) throw new DapError(`the decrypted secrets are not a tar: ${tar.stderr.trim()}`);
  return tar.stdout.split('\n').filter(Boolean);
}
