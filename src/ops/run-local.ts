import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DapError, UsageError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { exec as defaultExec, type Exec } from '../adapters/exec/exec.js';
import { gitTopLevel, localLineage, stageWorkingTree, type LocalLineage } from '../adapters/git/worktree.js';
import { runGitlabCiLocal } from '../adapters/gitlab-ci-local/runner.js';
import { PipelineStopper } from '../adapters/gitlab-ci-local/stopper.js';
import { parseSummary, pipelinePassed, type JobResult } from '../core/local-run/summary.js';
import { localPipelineId } from '../core/local-run/pipeline-id.js';
import { shQuote } from '../core/pipeline/shell.js';
import type { RunSummary } from '../tracking/run-summary.js';
import { settleInterruptedRuns } from './local-interrupted.js';
import { SLOTS_ENV, CAPS_ENV } from './local-slots.js';

export interface RunLocalOptions {
  root: string;
  /** pipeline file relative to root (already generated) */
  pipelineFile: string;
  env?: NodeJS.ProcessEnv;
  concurrency?: number;
  /** sweep.max_parallel per experiment name: at most this many of its runs at once */
  maxParallel?: Record<string, number>;
  onLine?: (line: string) => void;
  onNotice?: (message: string) => void;
  exec?: Exec;
  /** listen for SIGINT/SIGTERM and stop the pipeline cleanly (default true) */
  handleSignals?: boolean;
}

export interface RunLocalResult {
  passed: boolean;
  jobs: JobResult[];
  /** where the runs' tracking journals were written */
  journalDir: string;
  /** the local pipeline id: part of every run identity, so no two local pipelines share a run */
  pipelineId: string;
  /** set when a signal stopped the pipeline; `runs` then tells what became of each run */
  interrupted?: NodeJS.Signals;
  runs?: RunSummary[];
}

/**
 * Runs a generated pipeline on this machine with gitlab-ci-local's shell executor, on the working
 * tree as it is on disk: tracked, modified and untracked (not ignored) files, committed or not.
 */
export async function runLocalOp(opts: RunLocalOptions): Promise<RunLocalResult> {
  const exec = opts.exec ?? defaultExec;
  const notice = opts.onNotice ?? (() => {});
  await preflight(opts.root, exec);
  const localDir = path.join(opts.root, '.dap', 'local');
  const pipelineId = localPipelineId(new Date(), randomBytes(3).toString('hex'));
  // gitlab-ci-local copies into each job what `git ls-files` calls tracked: show it a separate
  // index holding the working tree, so uncommitted work runs too and the user's index stays untouched
  const staged = await stageWorkingTree(opts.root, `dap-index-${pipelineId}`, ['.dap']);
  const uncommitted = staged.untracked.length + staged.modified.length;
  if (uncommitted) notice(`running the working tree as it is on disk (${describe(staged.untracked, 'untracked')}${staged.untracked.length && staged.modified.length ? ', ' : ''}${describe(staged.modified, 'modified')})`);
  const lineage = await localLineage(opts.root);
  await recordPipeline(localDir, { id: pipelineId, started: new Date().toISOString(), file: opts.pipelineFile, ...lineage, uncommitted });
  const binDir = await writeDapShim(localDir);
  const journalDir = path.join(opts.root, '.dap', 'journal');
  await fs.mkdir(journalDir, { recursive: true });
  const baseEnv = opts.env ?? process.env;
  // Shell jobs inherit our environment; `--variable` would not reach child pipelines.
  const env: NodeJS.ProcessEnv = {
    ...baseEnv,
    PATH: `${binDir}${path.delimiter}${baseEnv.PATH ?? ''}`,
    GIT_INDEX_FILE: staged.indexFile,
    DAP_JOURNAL_DIR: baseEnv.DAP_JOURNAL_DIR ?? journalDir,
    DAP_LOCAL_RUN: '1',
    ...lineageEnv(pipelineId, lineage, uncommitted > 0),
    ...(opts.maxParallel && Object.keys(opts.maxParallel).length
      ? { [SLOTS_ENV]: path.join(localDir, 'slots', pipelineId), [CAPS_ENV]: JSON.stringify(opts.maxParallel) }
      : {}),
  };

  const stopper = new PipelineStopper({ onNotice: notice });
  const onSignal = (sig: NodeJS.Signals) => stopper.request(sig);
  const signals = opts.handleSignals === false ? [] : (['SIGINT', 'SIGTERM'] as const);
  for (const s of signals) process.on(s, onSignal);
  let output: string;
  try {
    ({ output } = await runGitlabCiLocal(
      {
        cwd: opts.root,
        file: opts.pipelineFile,
        stateDir: path.join('.dap', 'local', 'gitlab-ci-local'),
        env,
        concurrency: opts.concurrency,
        onLine: opts.onLine,
        onSpawn: (pid) => stopper.attach(pid),
      },
      exec,
    ));
    await stopper.settled();
  } finally {
    for (const s of signals) process.off(s, onSignal);
    await fs.rm(staged.indexFile, { force: true });
  }
  const jobs = parseSummary(output);
  if (stopper.signal) {
    stopper.reap();
    const runs = await settleInterruptedRuns({ journalDir: env.DAP_JOURNAL_DIR!, pipelineId, env: baseEnv, onNotice: notice });
    return { passed: false, jobs, journalDir, pipelineId, interrupted: stopper.signal, runs };
  }
  if (jobs.length === 0) {
    const tail = output.trim().split('\n').slice(-15).join('\n');
    throw new DapError(`gitlab-ci-local ran no job:\n${tail}`, {
      hint: 'check that the pipeline file is valid (`dap lint`) and that its jobs are not all excluded by rules',
    });
  }
  return { passed: pipelinePassed(jobs), jobs, journalDir, pipelineId };
}

/** What `dap track` records as the lineage of a local run (see tracking/job-context.ts). */
function lineageEnv(pipelineId: string, l: LocalLineage, dirty: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { DAP_SOURCE: 'local', DAP_LOCAL_PIPELINE_ID: pipelineId, DAP_USER: l.user, DAP_GIT_DIRTY: dirty ? 'true' : 'false' };
  if (l.commit) env.DAP_GIT_COMMIT = l.commit;
  if (l.branch) env.DAP_GIT_BRANCH = l.branch;
  if (l.remoteUrl) env.DAP_GIT_REMOTE = l.remoteUrl;
  return env;
}

function describe(files: string[], what: string): string {
  if (!files.length) return '';
  return `${files.length} ${what}: ${files.slice(0, 3).join(', ')}${files.length > 3 ? ', …' : ''}`;
}

/** .dap/local/pipelines.jsonl: one line per local pipeline, so its id can be traced back to what ran. */
async function recordPipeline(localDir: string, entry: Record<string, unknown>): Promise<void> {
  await fs.mkdir(localDir, { recursive: true });
  await fs.appendFile(path.join(localDir, 'pipelines.jsonl'), JSON.stringify(entry) + '\n');
}

async function preflight(root: string, exec: Exec): Promise<void> {
  if (!(await gitTopLevel(root))) {
    throw new UsageError(`${root} is not a git repository (nor inside one); gitlab-ci-local runs pipelines from a git checkout`, 'run `git init` there (no commit needed)');
  }
  const rsync = await exec(['rsync', '--version']).catch(() => undefined);
  if (!rsync || rsync.code !== 0) {
    throw new DapError('rsync is not installed; gitlab-ci-local needs it for --shell-isolation', {
      hint: 'install it: `apt-get install -y rsync` (make demo does this for you)',
    });
  }
}

// Jobs call `dap`; locally that must be this very installation, not whatever is on PATH. The
// staged index is for gitlab-ci-local's file listing only: dap inside a job sees the job's copy.
async function writeDapShim(localDir: string): Promise<string> {
  const binDir = path.join(localDir, 'bin');
  await fs.mkdir(binDir, { recursive: true });
  const script = `#!/bin/sh\nunset GIT_INDEX_FILE\nexec ${shQuote(process.execPath)} ${shQuote(path.join(packageRoot, 'dist', 'cli', 'bin.js'))} "$@"\n`;
  const file = path.join(binDir, 'dap');
  await fs.writeFile(file, script, { mode: 0o755 });
  return binDir;
}
