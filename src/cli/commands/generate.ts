import path from 'node:path';
import type { Command } from 'commander';
import type { Outcomes } from '../outcome.js';
import { ExitCode, UsageError } from '../../errors.js';
import { limitOptions, parseLimits } from './limit-options.js';

interface GenerateFlags {
  out?: string;
  static?: boolean;
  child?: boolean;
  check?: boolean;
  changedSince?: string;
  none?: boolean;
  tracking: boolean;
  root?: string;
  json?: boolean;
  report?: boolean;
}

export function register(program: Command, outcomes: Outcomes): void {
  const cmd = program
    .command('generate')
    .description('write the GitLab CI pipeline for the experiment specs (default: a parent pipeline that generates and triggers a child)')
    .argument('[files...]', 'spec files (default: experiments/*.yaml)')
    .option('--out <file>', 'output file (default .gitlab-ci.yml; with --child .dap/child.yml)')
    .option('--static', 'write every job into one pipeline file instead of parent + child')
    .option('--child', 'write the child pipeline (what the parent\'s dap_generate job runs)')
    .option('--check', 'write nothing; exit 1 if the file on disk differs from what would be generated')
    .option('--changed-since <ref>', 'only experiments whose spec, command files, inputs or environment changed since REF')
    .option('--none', 'no experiment jobs at all (what a --changed-since pipeline records when nothing changed)')
    .option('--no-tracking', 'run commands bare (no dap track, no dap_sync job)')
    .option('--report', 'add a report stage: dap report compares the runs with the target branch and posts it to the merge request')
    .option('--root <dir>', 'project root (default: the nearest directory upwards holding experiments/ or .git)')
    .option('--json', 'print the result as JSON');
  limitOptions(cmd).action(outcomes.action(async (files: string[], flags: GenerateFlags & Record<string, unknown>) => {
    if (flags.static && flags.child) throw new UsageError('--static and --child exclude each other', 'pick one mode');
    const { generateOp } = await import('../../ops/generate.js');
    const { resolveRoot } = await import('../../paths.js');
    const root = resolveRoot(flags.root);
    const result = await generateOp({
      root,
      mode: flags.static ? 'static' : flags.child ? 'child' : 'parent',
      out: flags.out,
      // paths on the command line are relative to the working directory; generateOp takes them relative to root
      files: files.length ? files.map((f) => path.relative(root, path.resolve(f))) : undefined,
      check: flags.check,
      changedSince: flags.changedSince,
      none: flags.none,
      tracking: flags.tracking,
      limits: parseLimits(flags),
      report: flags.report,
    });
    for (const w of result.warnings) process.stderr.write(`dap: warning: ${w}\n`);
    if (flags.json) {
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    } else {
      if (result.changes) {
        for (const c of result.changes) {
          process.stdout.write(c.kept ? `kept ${c.experiment}: changed ${c.reasons.join(', ')}\n` : `skipped ${c.experiment}: nothing it depends on changed since ${flags.changedSince}\n`);
        }
      }
      for (const f of result.files) {
        const what = `${f.path} (${result.mode}, ${f.jobs} jobs, ${f.bytes} bytes)`;
        if (f.status === 'stale') process.stderr.write(`dap: ${f.path} is stale: run \`dap generate\` and commit it\n${f.diff}\n`);
        else if (f.status === 'missing') process.stderr.write(`dap: ${f.path} does not exist: run \`dap generate\` and commit it\n`);
        else process.stdout.write(`${f.status === 'fresh' ? 'up to date' : f.status}: ${what}\n`);
      }
      process.stdout.write(`${result.experiments.length} experiment(s), ${result.totalJobs} jobs in the pipeline hierarchy\n`);
    }
    return result.ok ? ExitCode.ok : ExitCode.failure;
  }));
}
