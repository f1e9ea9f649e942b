import { ExitCode } from '../errors.js';

// How a command's result reaches the process exit status without globals: each action returns an
// outcome (an ExitCode, or for `dap track` the tracked command's own status), `main` returns it.

/** What an action returns: nothing (success), an ExitCode, or a child's status passed through. */
export type Outcome = ExitCode | number | void;

export class Outcomes {
  private last: number = ExitCode.ok;

  get exitCode(): number {
    return this.last;
  }

  /** Wraps a commander action so that its returned outcome becomes dap's exit code. */
  action<A extends unknown[]>(fn: (...args: A) => Promise<Outcome>): (...args: A) => Promise<void> {
    return async (...args: A) => {
      const outcome = await fn(...args);
      this.last = typeof outcome === 'number' ? outcome : ExitCode.ok;
    };
  }
}
