import { spawn } from 'node:child_process';

// Every external process (docker, ssh, git, ansible, gitlab-ci-local) goes through this one
// injectable function, always as an argv array, never a concatenated shell string.

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  /** called with each chunk as it arrives (for streaming logs) */
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  timeoutMs?: number;
  /** start the process as the leader of its own process group (see process-group.ts) */
  processGroup?: boolean;
  /** called with the pid once the process runs */
  onSpawn?: (pid: number) => void;
}

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export type Exec = (argv: readonly string[], opts?: ExecOptions) => Promise<ExecResult>;

export const exec: Exec = (argv, opts = {}) =>
  new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    if (!cmd) return reject(new Error('exec: empty argv'));
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: 'pipe', detached: opts.processGroup ?? false });
    if (child.pid !== undefined) opts.onSpawn?.(child.pid);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs) timer = setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs);
    child.stdout.on('data', (c: Buffer) => { out.push(c); opts.onStdout?.(c); });
    child.stderr.on('data', (c: Buffer) => { err.push(c); opts.onStderr?.(c); });
    child.on('error', (e) => { if (timer) clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
