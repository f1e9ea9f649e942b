import { Command, CommanderError } from 'commander';
import { DapError, ExitCode, ProblemsError, formatProblem } from '../errors.js';
import { commands } from './commands/index.js';
import { Outcomes } from './outcome.js';

const VERSION = '0.1.0';

export function buildProgram(outcomes = new Outcomes()): Command {
  const program = new Command('dap')
    .description('GitOps for ML experiments: specs -> GitLab CI pipelines -> MLflow runs')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of commands) register(program, outcomes);
  return program;
}

export function reportError(err: unknown, stderr: NodeJS.WritableStream = process.stderr): ExitCode | number {
  if (err instanceof CommanderError) {
    // commander already printed its message (or help/version)
    return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (err instanceof ProblemsError) {
    for (const p of err.problems) stderr.write(formatProblem(p) + '\n');
    stderr.write(`dap: ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof DapError) {
    stderr.write(`dap: ${err.message}\n`);
    if (err.hint) stderr.write(`hint: ${err.hint}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  stderr.write(`dap: unexpected error: ${e?.stack ?? String(err)}\n`);
  return ExitCode.software;
}

/** Runs one command; resolves with the exit status (bin.ts hands it to the process). */
export async function main(argv: string[] = process.argv): Promise<number> {
  const outcomes = new Outcomes();
  try {
    await buildProgram(outcomes).parseAsync(argv);
    return outcomes.exitCode;
  } catch (err) {
    return reportError(err);
  }
}

