import fs from 'node:fs/promises';
import path from 'node:path';
import { DapError, UsageError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { exec as defaultExec, type Exec } from '../adapters/exec/exec.js';
import { runGitlabCiLocal } from '../adapters/gitlab-ci-local/runner.js';
import { parseSummary, pipelinePassed, type JobResult } from '../core/local-run/summary.js';
import { shQuote } from '../core/pipeline/shell.js';

export interface RunLocalOptions {
  root: string;
  /** pipeline file relative to root (already generated) */
  pipelineFile: string;
  env?: NodeJS.ProcessEnv;
  concurrency?: number;
  onLine?: (line: string) => void;
  exec?: Exec;
}

export interface RunLocalResult {
  passed: boolean;
  jobs: JobResult[];
  /** where the runs' tracking journals were written */
  journalDir: string;
}

/** Runs a generated pipeline on this machine with gitlab-ci-local's shell executor. */
export async function runLocalOp(opts: RunLocalOptions): Promise<RunLocalResult> {
  const exec = opts.exec ?? defaultExec;
  await preflight(opts.root, exec);
  const localDir = path.join(opts.root, '.dap', 'local');
  const binDir = await writeDapShim(localDir);
  const journalDir = path.join(opts.root, '.dap', 'journal');
  await fs.mkdir(journalDir, { recursive: true });
  const baseEnv = opts.env ?? process.env;
  // Shell jobs inherit our environment; `--variable` would not reach child pipelines.
  const env: NodeJS.ProcessEnv = {
    ...baseEnv,
    PATH: `${binDir}${path.delimiter}${baseEnv.PATH ?? ''}`,
    DAP_JOURNAL_DIR: baseEnv.DAP_JOURNAL_DIR ?? journalDir,
    DAP_LOCAL_RUN: '1',
    // gitlab-ci-local numbers pipelines per checkout: halving sweeps add this to tell runs apart
    DAP_LOCAL_RUN_ID: baseEnv.DAP_LOCAL_RUN_ID ?? `${Date.now().toString(36)}${process.pid.toString(36)}`,
  };
  const { output } = await runGitlabCiLocal(
    {
      cwd: opts.root,
      file: opts.pipelineFile,
      stateDir: path.join('.dap', 'local', 'gitlab-ci-local'),
      env,
      concurrency: opts.concurrency,
      onLine: opts.onLine,
    },
    exec,
  );
  const jobs = parseSummary(output);
  if (jobs.length === 0) {
    const tail = output.trim().split('\n').slice(-15).join('\n');
    throw new DapError(`gitlab-ci-local ran no job:\n${tail}`, {
      hint: 'check that the pipeline file is valid (`dap lint`) and that its jobs are not all excluded by rules',
    });
  }
  return { passed: pipelinePassed(jobs), jobs, journalDir };
}

async function preflight(root: string, exec: Exec): Promise<void> {
  const git = await exec(['git', 'rev-parse', '--show-toplevel'], { cwd: root }).catch(() => undefined);
  if (!git || git.code !== 0) {
    throw new UsageError(`${root} is not a git repository`, 'gitlab-ci-local runs a git checkout: `git init && git add -A && git commit -m init`');
  }
  const rsync = await exec(['rsync', '--version']).catch(() => undefined);
  if (!rsync || rsync.code !== 0) {
    throw new DapError('rsync is not installed; gitlab-ci-local needs it for --shell-isolation', {
      hint: 'install it: `apt-get install -y rsync` (make demo does this for you)',
    });
  }
}

// Jobs call `dap`; locally that must be this very installation, not whatever is on PATH.
async function writeDapShim(localDir: string): Promise<string> {
  const binDir = path.join(localDir, 'bin');
  await fs.mkdir(binDir, { recursive: true });
  const script = `#!/bin/sh\nexec ${shQuote(process.execPath)} ${shQuote(path.join(packageRoot, 'dist', 'cli', 'bin.js'))} "$@"\n`;
  const file = path.join(binDir, 'dap');
  await fs.writeFile(file, script, { mode: 0o755 });
  return binDir;
}
