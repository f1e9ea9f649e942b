import type { Command } from 'commander';
import type { Outcomes } from '../outcome.js';
import { ExitCode, UsageError } from '../../errors.js';
import { constants as osConstants } from 'node:os';
import { formatTable } from '../format/table.js';
import { formatDuration } from '../format/duration.js';
import type { RunResult } from '../../ops/run-selected.js';

interface RunFlags {
  local?: boolean;
  root?: string;
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
    .option('--root <dir>', 'project root (default: the nearest directory upwards holding experiments/ or .git)')
    .option('--no-generate', 'run .gitlab-ci.yml as committed instead of regenerating it first')
    .option('--concurrency <n>', 'at most this many jobs at once')
    .option('-q, --quiet', 'do not stream job logs')
    .option('--json', 'print the job results as JSON')
    .addHelpText('after', '\nExit status: 0 when every job passed, 1 when a job failed, 130/143 when interrupted (SIGINT/SIGTERM).\nNeeds git and rsync (apt-get install -y rsync).')
    .action(outcomes.action(async (experiments: string[], flags: RunFlags) => {
      if (!flags.local) throw new UsageError('dap run needs --local', 'in CI, push a commit: the generated .gitlab-ci.yml runs there');
      const concurrency = flags.concurrency === undefined ? undefined : Number(flags.concurrency);
      if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
        throw new UsageError(`--concurrency must be a positive integer, got ${flags.concurrency}`);
      }
      const { runOp } = await import('../../ops/run-selected.js');
      const streamLogs = !flags.quiet && !flags.json;
      const result = await runOp({
        root: (await import('../../paths.js')).resolveRoot(flags.root),
        experiments,
        generate: flags.generate,
        concurrency,
        onLine: streamLogs ? (l) => process.stderr.write(l + '\n') : undefined,
        onNotice: (m) => process.stderr.write(`dap: ${m}\n`),
      });
      if (result.interrupted) {
        printInterrupted(result, !!flags.json);
        return 128 + (osConstants.signals[result.interrupted] ?? 0); // 130 (SIGINT), 143 (SIGTERM)
      }
      if (flags.json) {
        process.stdout.write(JSON.stringify({ passed: result.passed, pipelineFile: result.pipelineFile, pipelineId: result.pipelineId, jobs: result.jobs }, null, 2) + '\n');
      } else {
        const rows = result.jobs.map((j) => [j.trigger ? `${j.trigger} → ${j.name}` : j.name, j.status, j.durationMs === undefined ? '' : formatDuration(j.durationMs)]);
        process.stdout.write('\n' + formatTable(['job', 'status', { header: 'time', align: 'right' }], rows));
        const failed = result.jobs.filter((j) => j.status === 'failed');
        process.stdout.write(result.passed ? `pipeline passed (${result.jobs.length} jobs)\n` : `pipeline failed: ${failed.map((j) => j.name).join(', ')}\n`);
        for (const j of failed) if (j.failureTail.length) process.stdout.write(`\n${j.name}:\n${j.failureTail.map((l) => `  > ${l}`).join('\n')}\n`);
      }
      return result.passed ? ExitCode.ok : ExitCode.failure;
    }));
}

/** After Ctrl-C / SIGTERM: what became of each run this pipeline started. */
function printInterrupted(result: RunResult, json: boolean): void {
  const runs = result.runs ?? [];
  if (json) {
    process.stdout.write(JSON.stringify({ passed: false, interrupted: result.interrupted, pipelineId: result.pipelineId, runs: runs.map((r) => ({ run: r.runName, identity: r.identity, status: r.status, exitCode: r.exitCode, durationMs: r.endTime === undefined ? undefined : r.endTime - r.startTime })) }, null, 2) + '\n');
    return;
  }
  const rows = runs.map((r) => [r.runName, r.status, r.endTime === undefined ? '' : formatDuration(r.endTime - r.startTime)]);
  process.stdout.write('\n' + formatTable(['run', 'status', { header: 'time', align: 'right' }], rows));
  const finished = runs.filter((r) => r.status === 'FINISHED').length;
  process.stdout.write(`pipeline ${result.pipelineId} interrupted (${result.interrupted}): ${finished} run(s) finished, ${runs.length - finished} stopped\n`);
}
