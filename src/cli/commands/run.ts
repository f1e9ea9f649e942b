import type { Command } from 'commander';
import type { Outcomes } from '../outcome.js';
import { ExitCode, UsageError } from '../../errors.js';
import { formatTable } from '../format/table.js';

interface RunFlags {
  local?: boolean;
  root: string;
  json?: boolean;
  quiet?: boolean;
  generate: boolean;
  concurrency?: string;
}

export function register(program: Command, outcomes: Outcomes): void {
  program
    .command('run')
    .description('run the generated pipeline on this machine with gitlab-ci-local (shell executor)')
    .argument('[experiments...]', 'only these experiments (default: the whole pipeline, as CI runs it)')
    .option('--local', 'run locally (required: in CI, pushing a commit runs the pipeline)')
    .option('--root <dir>', 'project root (a git checkout)', '.')
    .option('--no-generate', 'run .gitlab-ci.yml as committed instead of regenerating it first')
    .option('--concurrency <n>', 'at most this many jobs at once')
    .option('-q, --quiet', 'do not stream job logs')
    .option('--json', 'print the job results as JSON')
    .addHelpText('after', '\nExit status: 0 when every job passed, 1 when a job failed.\nNeeds git and rsync (apt-get install -y rsync).')
    .action(outcomes.action(async (experiments: string[], flags: RunFlags) => {
      if (!flags.local) throw new UsageError('dap run needs --local', 'in CI, push a commit: the generated .gitlab-ci.yml runs there');
      const concurrency = flags.concurrency === undefined ? undefined : Number(flags.concurrency);
      if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
        throw new UsageError(`--concurrency must be a positive integer, got ${flags.concurrency}`);
      }
      const { runOp } = await import('../../ops/run-selected.js');
      const streamLogs = !flags.quiet && !flags.json;
      const result = await runOp({
        root: flags.root,
        experiments,
        generate: flags.generate,
        concurrency,
        onLine: streamLogs ? (l) => process.stderr.write(l + '\n') : undefined,
        onNotice: (m) => process.stderr.write(`dap: ${m}\n`),
      });
      if (flags.json) {
        process.stdout.write(JSON.stringify({ passed: result.passed, pipelineFile: result.pipelineFile, jobs: result.jobs }, null, 2) + '\n');
      } else {
        const rows = result.jobs.map((j) => [j.trigger ? `${j.trigger} → ${j.name}` : j.name, j.status, j.durationMs === undefined ? '' : `${(j.durationMs / 1000).toFixed(2)} s`]);
        process.stdout.write('\n' + formatTable(['job', 'status', { header: 'time', align: 'right' }], rows));
        const failed = result.jobs.filter((j) => j.status === 'failed');
        process.stdout.write(result.passed ? `pipeline passed (${result.jobs.length} jobs)\n` : `pipeline failed: ${failed.map((j) => j.name).join(', ')}\n`);
        for (const j of failed) if (j.failureTail.length) process.stdout.write(`\n${j.name}:\n${j.failureTail.map((l) => `  > ${l}`).join('\n')}\n`);
      }
      return result.passed ? ExitCode.ok : ExitCode.failure;
    }));
}
