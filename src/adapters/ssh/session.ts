import { Client } from 'ssh2';
import type { ClientChannel, ConnectConfig, SFTPWrapper } from 'ssh2';
import { randomBytes } from 'node:crypto';
import type { HostKey } from '../../core/env/known-hosts.js';
import { HostKeyMismatchError, collectExec, fingerprint, pinnedVerifier } from './client.js';
import type { SshExecResult, SshTarget } from './client.js';

// One ssh2 connection kept open for several commands and SFTP transfers (a runner host gets a
// handful of each). Host keys: the pinned ones only; with no pinned key the presented one is
// either accepted and handed back to be pinned (acceptNew) or refused with its fingerprint.

export class UnknownHostKeyError extends Error {
  constructor(readonly host: string, readonly key: HostKey, readonly fingerprint: string) {
    super(`host key of ${host} is not known yet (SHA256:${fingerprint})`);
    this.name = 'UnknownHostKeyError';
  }
}

export interface SessionTarget extends SshTarget {
  /** with no pinned key: accept the presented one (the caller pins it) instead of refusing */
  acceptNew?: boolean;
}

/** ssh-ed25519 etc. from a raw key blob (string length + name). */
function keyOf(blob: Buffer): HostKey {
  const len = blob.readUInt32BE(0);
  return { type: blob.subarray(4, 4 + len).toString('ascii'), base64: blob.toString('base64') };
}

export class SshSession {
  private sftpChannel?: Promise<SFTPWrapper>;
  private constructor(private readonly conn: Client, readonly newKey?: HostKey & { fingerprint: string }) {}

  static open(target: SessionTarget): Promise<SshSession> {
    return new Promise((resolve, reject) => {
      const conn = new Client();
      let mismatch: string | undefined;
      let unknown: { key: HostKey; fp: string } | undefined;
      let accepted: (HostKey & { fingerprint: string }) | undefined;
      const where = `${target.host}:${target.port}`;
      const verifier = target.pinned.length
        ? pinnedVerifier(target.pinned, (fp) => { mismatch = fp; })
        : (blob: Buffer) => {
          const key = keyOf(blob);
          if (target.acceptNew) { accepted = { ...key, fingerprint: fingerprint(blob) }; return true; }
          unknown = { key, fp: fingerprint(blob) };
          return false;
        };
      const cfg: ConnectConfig = {
        host: target.host, port: target.port, username: target.username,
        ...(target.privateKey ? { privateKey: target.privateKey } : {}), ...(target.agent ? { agent: target.agent } : {}),
        readyTimeout: target.readyTimeoutMs ?? 10_000,
        hostVerifier: verifier,
      };
      conn.on('ready', () => resolve(new SshSession(conn, accepted)));
      conn.on('error', (err) => {
        conn.end();
        if (mismatch) reject(new HostKeyMismatchError(where, mismatch));
        else if (unknown) reject(new UnknownHostKeyError(where, unknown.key, unknown.fp));
        else reject(err);
      });
      conn.connect(cfg);
    });
  }

  /** Run a command; `stdin` is written to it and closed (secrets go this way, never in argv). */
  exec(command: string, stdin?: string): Promise<SshExecResult> {
    return new Promise((resolve, reject) => {
      this.conn.exec(command, (err, stream) => {
        if (err) return reject(err);
        collectExec(stream, resolve);
        stream.end(stdin ?? '');
      });
    });
  }

  /**
   * Start `command` and resolve once it prints `ready` on stdout; it runs until release() closes
   * its stdin or the connection drops (a remote `flock` held this way dies with us).
   */
  hold(command: string, timeoutMs: number): Promise<{ release: () => void }> {
    return new Promise((resolve, reject) => {
      this.conn.exec(command, (err, stream: ClientChannel) => {
        if (err) return reject(err);
        let buf = '';
        let stderr = '';
        const timer = setTimeout(() => { stream.close(); reject(new Error(`timed out after ${timeoutMs / 1000} s waiting for: ${command}`)); }, timeoutMs);
        stream.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
        stream.on('data', (b: Buffer) => {
          buf += b.toString();
          if (buf.includes('ready')) { clearTimeout(timer); resolve({ release: () => stream.end() }); }
        });
        stream.on('close', () => { clearTimeout(timer); reject(new Error(stderr.trim() || `${command} ended early`)); });
      });
    });
  }

  private sftp(): Promise<SFTPWrapper> {
    this.sftpChannel ??= new Promise((resolve, reject) => this.conn.sftp((err, s) => (err ? reject(err) : resolve(s))));
    return this.sftpChannel;
  }

  /** The file's text, or undefined when it does not exist. */
  async readFile(file: string): Promise<string | undefined> {
    const sftp = await this.sftp();
    return new Promise((resolve, reject) => sftp.readFile(file, (err: (Error & { code?: number }) | null | undefined, data: Buffer) => {
      if (!err) return resolve(data.toString('utf8'));
      if (err.code === 2) return resolve(undefined); // SSH_FX_NO_SUCH_FILE
      reject(err);
    }));
  }

  /** Write beside the target with the mode set before any byte lands, then rename over it (posix-rename@openssh.com). */
  async writeFileAtomic(file: string, text: string, mode = 0o600): Promise<void> {
    const sftp = await this.sftp();
    const tmp = `${file}.dap-${randomBytes(4).toString('hex')}`;
    const call = (fn: (cb: (err?: Error | null) => void) => void) => new Promise<void>((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));
    try {
      await call((cb) => sftp.writeFile(tmp, text, { mode, flag: 'wx' }, cb));
      await call((cb) => sftp.chmod(tmp, mode, cb));
      await call((cb) => sftp.ext_openssh_rename(tmp, file, cb));
    } catch (err) {
      await call((cb) => sftp.unlink(tmp, cb)).catch(() => undefined);
      throw err;
    }
  }

  close(): void {
    this.conn.end();
  }
}

export type { SshExecResult };
