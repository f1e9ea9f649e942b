import type { Command } from 'commander';
import type { Outcomes } from '../outcome.js';
import { ExitCode, formatProblem } from '../../errors.js';
import { limitOptions, parseLimits } from './limit-options.js';

export function register(program: Command, outcomes: Outcomes): void {
  const cmd = program
    .command('lint')
    .description("check a .gitlab-ci.yml against GitLab's CI schema, then its meaning (needs, stages, cycles, limits)")
    .argument('<file>', 'the pipeline file')
    .option('--json', 'print the problems as JSON')
    .option('--schema-only', 'only the schema check (what GitLab\'s fixture corpus tests)');
  limitOptions(cmd).action(outcomes.action(async (file: string, opts: { json?: boolean; schemaOnly?: boolean } & Record<string, string>) => {
    const { lintOp } = await import('../../ops/lint.js');
    const result = await lintOp({ file, schemaOnly: opts.schemaOnly, limits: parseLimits(opts) });
    if (opts.json) {
      process.stdout.write(JSON.stringify({ file, ok: result.ok, problems: result.problems }, null, 2) + '\n');
    } else {
      // loaded here, not at the top: every dap command loads this file at start-up
      const { codeFrame } = await import('../../core/spec/code-frame.js');
      for (const p of result.problems) {
        const frame = codeFrame(result.source, p.line, p.col, { linesAbove: 1, linesBelow: 1 });
        const text = formatProblem({ file, line: p.line, col: p.col, message: `${p.severity}: ${p.message}`, frame });
        (p.severity === 'error' ? process.stderr : process.stdout).write(text + '\n');
      }
      const errors = result.problems.filter((p) => p.severity === 'error').length;
      if (result.ok) process.stdout.write(`${file}: ok${result.problems.length ? ` (${result.problems.length} warning(s))` : ''}\n`);
      else process.stderr.write(`dap: ${file}: ${errors} error(s)\n`);
    }
    return result.ok ? ExitCode.ok : ExitCode.failure;
  }));
}
