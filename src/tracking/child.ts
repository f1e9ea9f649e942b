import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';

// The user's training command runs with inherited stdio (a TTY stays a TTY, logs stream unbuffered)
// and dap forwards SIGINT/SIGTERM to it, which the piped `exec` adapter cannot do. Still an argv
// array: no shell unless the user's command words are themselves `sh -c …`.

export interface ChildOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** a signal dap received and forwarded */
  forwarded?: NodeJS.Signals;
}

export function runInherited(argv: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): { child: ChildProcess; done: Promise<ChildOutcome> } {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error('runInherited: empty argv');
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: 'inherit' });
  let forwarded: NodeJS.Signals | undefined;
  const forward = (sig: NodeJS.Signals) => {
    forwarded = sig;
    child.kill(sig);
  };
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((sig) => {
    const h = () => forward(sig);
    process.on(sig, h);
    return [sig, h] as const;
  });
  const done = new Promise<ChildOutcome>((resolve) => {
    const finish = (o: ChildOutcome) => {
      for (const [sig, h] of handlers) process.off(sig, h);
      resolve(o);
    };
    child.on('error', (e) => {
      process.stderr.write(`dap track: cannot start ${cmd}: ${(e as Error).message}\n`);
      // like a shell: 127 when the command is not found, 126 when it is there but cannot be run
      finish({ code: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 127 : 126, signal: null });
    });
    child.on('exit', (code, signal) => finish({ code, signal, forwarded }));
  });
  return { child, done };
}

/** The shell convention: 128 + signal number. */
export function exitCodeOf(o: ChildOutcome): number {
  if (o.signal) return 128 + (os.constants.signals[o.signal] ?? 0);
  return o.code ?? 1;
}
