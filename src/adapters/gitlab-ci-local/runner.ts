import { createRequire } from 'node:module';
import path from 'node:path';
import { exec as defaultExec, type Exec } from '../exec/exec.js';

// gitlab-ci-local is pinned to 4.73.0 in package.json: 4.74+ needs Node 22's Set methods.
export const GITLAB_CI_LOCAL_VERSION = '4.73.0';

export interface GitlabCiLocalOptions {
  cwd: string;
  /** pipeline file relative to cwd */
  file?: string;
  /** state dir relative to cwd */
  stateDir: string;
  env: NodeJS.ProcessEnv;
  concurrency?: number;
  onLine?: (line: string) => void;
  /** gets the pid of gitlab-ci-local, which leads a process group holding all its jobs */
  onSpawn?: (pid: number) => void;
}

// What gitlab-ci-local prints when the checkout has no commit, or no `origin` remote it can parse: it falls back
// to made-up values, which dap does not use (local runs carry dap's own lineage), so it is noise.
const GIT_FALLBACK_NOISE = [
  /^Using fallback git (commit|remote) data$/,
  /^git remote get-url origin didn't provide valid matches$/, // origin is a local path, not a GitLab URL
  /^Unable to retrieve default remote branch, falling back to/,
  /^ {2}Command failed with exit code \d+: git /,
  /^(fatal|error): (ambiguous argument 'HEAD'|ref refs\/remotes\/origin\/HEAD is not a symbolic ref|No such remote 'origin')/,
  /^Use '--' to separate paths from revisions/,
  /^'git <command> \[<revision>\.\.\.\] -- \[<file>\.\.\.\]'$/,
  /^HEAD$/,
];

export function isGitFallbackNoise(line: string): boolean {
  return GIT_FALLBACK_NOISE.some((re) => re.test(line));
}

export function gitlabCiLocalBin(): string {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve('gitlab-ci-local/package.json');
  const pkg = require(pkgJson) as { bin: string | Record<string, string>; version: string };
  const rel = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin['gitlab-ci-local']!;
  return path.join(path.dirname(pkgJson), rel);
}

/** Runs a whole pipeline with the shell executor, each job in its own rsync'd copy of the repo. */
export async function runGitlabCiLocal(opts: GitlabCiLocalOptions, exec: Exec = defaultExec) {
  const argv = [
    process.execPath,
    gitlabCiLocalBin(),
    '--no-color',
    '--force-shell-executor',
    '--shell-isolation',
    '--no-artifacts-to-source',
    '--state-dir', opts.stateDir,
    ...(opts.file ? ['--file', opts.file] : []),
    ...(opts.concurrency ? ['--concurrency', String(opts.concurrency)] : []),
  ];
  let pending = '';
  const onChunk = (chunk: Buffer) => {
    if (!opts.onLine) return;
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (!isGitFallbackNoise(line)) opts.onLine(line);
  };
  const result = await exec(argv, {
    cwd: opts.cwd,
    env: { ...opts.env, GCL_IGNORE_PREDEFINED_VARS: 'CI_PIPELINE_SOURCE' },
    onStdout: onChunk,
    onStderr: onChunk,
    processGroup: true,
    onSpawn: opts.onSpawn,
  });
  if (pending && opts.onLine && !isGitFallbackNoise(pending)) opts.onLine(pending);
  return { code: result.code, output: result.stdout + '\n' + result.stderr };
}
