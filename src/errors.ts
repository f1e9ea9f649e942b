// One base class for every error a user can act on (DVC-style): the message says what is wrong,
// the hint says how to fix it, the exit code is what `main()` returns.

export enum ExitCode {
  ok = 0,
  /** invalid input, failed pipeline, stale file: the user's thing is wrong */
  failure = 1,
  /** the command line itself is wrong */
  usage = 2,
  /** a service dap depends on (docker, MLflow, GitLab) is unreachable or refused us */
  unavailable = 3,
  /** EX_SOFTWARE: a bug in dap, not in the user's input */
  software = 70,
}

export class DapError extends Error {
  readonly hint?: string;
  readonly exitCode: number;
  constructor(message: string, opts: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DapError';
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? ExitCode.failure;
  }
}

export class UsageError extends DapError {
  constructor(message: string, hint?: string) {
    super(message, { hint, exitCode: ExitCode.usage });
    this.name = 'UsageError';
  }
}

export class UnavailableError extends DapError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super(message, { hint, exitCode: ExitCode.unavailable, cause });
    this.name = 'UnavailableError';
  }
}

/** A problem located in a user file; printed as `file:line:col: message` plus a code frame. */
export interface Problem {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
  message: string;
  /** rendered code frame pointing at line:col, when the source is known */
  frame?: string;
}

export class ProblemsError extends DapError {
  readonly problems: Problem[];
  constructor(problems: Problem[], summary?: string) {
    super(summary ?? `${problems.length} problem${problems.length === 1 ? '' : 's'} found`);
    this.name = 'ProblemsError';
    this.problems = problems;
  }
}

export function formatProblem(p: Problem): string {
  const head = `${p.file}:${p.line}:${p.col}: ${p.message}`;
  return p.frame ? `${head}\n${p.frame}\n` : head;
}
