import { Command, CommanderError } from 'commander';
import { DapError, ExitCode, ProblemsError, formatProblem } from '../errors.js';
import { commands } from './commands/index.js';

const VERSION = '0.1.0';

export function buildProgram(): Command {
  const program = new Command('dap')
    .description('GitOps for ML experiments: specs -> GitLab CI pipelines -> MLflow runs')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  // every command sees the user's config file (dap login) under the environment's own variables
  program.hook('preAction', async (_p, cmd) => {
    if (cmd.name() !== 'login') (await import('../ops/config-file.js')).applyUserConfig(cmd.name());
  });
  for (const register of commands) register(program);
  return program;
}

export function reportError(err: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
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
  return 70; // EX_SOFTWARE: a bug in dap, not in the user's input
}

export async function main(argv: string[] = process.argv): Promise<number> {
  try {
    const result = await buildProgram().parseAsync(argv);
    const code = (result as unknown as { exitCode?: number }).exitCode;
    return typeof process.exitCode === 'number' ? process.exitCode : (code ?? ExitCode.ok);
  } catch (err) {
    return reportError(err);
  }
}

