import { Checkout, gitlabProjectOf } from '../adapters/git/repo.js';
import { gitlabFromEnv, type GitlabConnection } from '../adapters/gitlab/client.js';
import { publishRetryFromEnv } from '../adapters/http/transient-retry.js';
import { DapError, ExitCode, UsageError } from '../errors.js';
import { regenerateAsCommitted } from './generate.js';
import { findPipeline, followPipeline } from './pipeline-follow.js';

// `dap submit`: regenerate and validate, commit specs + environments + the generated pipeline
// together, push, then find and follow the pipeline. Every refusal happens before anything is
// committed; a push the remote rejects undoes our commit.

export interface SubmitOptions {
  root: string;
  message?: string;
  /** false: stop after printing the pipeline URL */
  wait?: boolean;
  project?: string;
  env?: NodeJS.ProcessEnv;
  say?: (line: string) => void;
  pollMs?: number;
  /** how long to wait for GitLab to create the pipeline */
  findTimeoutMs?: number;
}

export interface SubmitResult {
  branch: string;
  remote: string;
  sha: string;
  committed: boolean;
  pipeline?: { id: number; url?: string; status?: string };
  exitCode: number;
}

const OWNED_DIRS = ['experiments', 'environments'];

/** DAP_SUBMIT_POLL_MS (default 3 s between looks), DAP_SUBMIT_FIND_TIMEOUT_MS (default 60 s) */
function envMs(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new UsageError(`${name}=${JSON.stringify(raw)} is not a number of milliseconds`, `unset it or set it to e.g. ${fallback}`);
  return Number(raw);
}

function refuse(message: string, hint: string): never {
  throw new DapError(`${message}; nothing was committed`, { hint });
}

function connect(o: SubmitOptions, env: NodeJS.ProcessEnv, remoteUrl: string): GitlabConnection {
  const token = env.DAP_GITLAB_TOKEN || env.GITLAB_TOKEN;
  const project = o.project ?? env.DAP_GITLAB_PROJECT ?? gitlabProjectOf(remoteUrl);
  if (!project) throw new UsageError(`which GitLab project does ${remoteUrl} belong to?`, 'pass --project GROUP/NAME (or set DAP_GITLAB_PROJECT)');
  return gitlabFromEnv({ ...env, ...(token ? { GITLAB_TOKEN: token } : {}) }, project);
}

export async function submitOp(o: SubmitOptions): Promise<SubmitResult> {
  const env = o.env ?? process.env;
  const say = o.say ?? ((l: string) => process.stdout.write(l + '\n'));
  const repo = new Checkout(o.root);
  const branch = await repo.branch();
  if (!branch) refuse('HEAD is not on a branch (detached)', 'check out the branch to submit: git switch -c my-change');
  const remotes = await repo.remotes();
  const upstream = await repo.upstream();
  const remote = upstream?.remote ?? (remotes.some((r) => r.name === 'origin') ? 'origin' : remotes[0]?.name);
  if (!remote) refuse('this checkout has no git remote to push to', 'add the GitLab project: git remote add origin git@gitlab.example.com:group/project.git');
  const remoteUrl = remotes.find((r) => r.name === remote)?.url ?? remote;
  const remoteBranch = upstream?.branch ?? branch;
  // GitLab settings are checked before anything is committed, so a typo costs nothing
  const conn = o.wait === false && !(env.GITLAB_URL ?? env.CI_SERVER_URL) ? undefined : connect(o, env, remoteUrl);

  const unrelated = (await repo.staged()).filter((f) => !OWNED_DIRS.some((d) => f.startsWith(`${d}/`)) && !f.startsWith('.gitlab-ci'));
  if (unrelated.length) {
    refuse(`unrelated files are staged: ${unrelated.slice(0, 5).join(', ')}${unrelated.length > 5 ? ` and ${unrelated.length - 5} more` : ''}`,
      'dap submit commits experiments/, environments/ and the generated pipeline only: commit those files yourself first, or unstage them (git restore --staged FILE)');
  }
  const onRemote = await repo.fetch(remote, remoteBranch).catch((e: unknown) => refuse(`cannot reach the remote ${remote}: ${(e as Error).message.split('\n')[0]}`, 'check the network and your credentials for the remote'));
  if (onRemote) {
    const [, behind] = await repo.aheadBehind(`refs/remotes/${remote}/${remoteBranch}`);
    if (behind > 0) refuse(`${branch} is ${behind} commit(s) behind ${remote}/${remoteBranch}`, `bring it up to date first: git pull --rebase ${remote} ${remoteBranch}`);
  }

  const generated = await regenerateAsCommitted(o.root);
  for (const w of generated.warnings) say(`dap: warning: ${w}`);
  const before = await repo.head();
  const stagedBefore = new Set(await repo.staged());
  const ours = [...OWNED_DIRS, ...generated.files.map((f) => f.path)];
  await repo.add(ours);
  const toCommit = await repo.staged();
  let committed = false;
  if (toCommit.length) {
    const names = generated.experiments.join(', ') || 'no experiments';
    await repo.commit(o.message ?? `dap submit: ${names}`);
    committed = true;
    say(`committed ${toCommit.length} file(s): ${toCommit.slice(0, 6).join(', ')}${toCommit.length > 6 ? ', …' : ''}`);
  } else {
    say('nothing to commit: specs, environments and pipeline are as committed');
  }
  const refused = await repo.push(remote, remoteBranch, !upstream);
  if (refused) {
    if (committed && before) {
      await repo.resetSoft(before);
      await repo.unstage(toCommit.filter((f) => !stagedBefore.has(f)));
    }
    throw new DapError(`${remote} rejected the push of ${branch}; the commit was undone, nothing was committed:\n${refused.split('\n').slice(-6).map((l) => `  ${l}`).join('\n')}`, {
      hint: 'read the remote\'s message above (protected branch, hook, permissions), fix it and run dap submit again',
    });
  }
  const sha = (await repo.head())!;
  say(`pushed ${sha.slice(0, 12)} to ${remote} ${remoteBranch}`);
  const result: SubmitResult = { branch, remote, sha, committed, exitCode: ExitCode.ok };
  if (!conn) {
    say('GITLAB_URL is not set: not looking for the pipeline');
    return result;
  }
  const follow = { conn, retry: publishRetryFromEnv(env), pollMs: o.pollMs ?? envMs(env, 'DAP_SUBMIT_POLL_MS', 3000), say };
  const pipeline = await findPipeline(follow, sha, remoteBranch, o.findTimeoutMs ?? envMs(env, 'DAP_SUBMIT_FIND_TIMEOUT_MS', 60_000));
  say(`pipeline ${pipeline.id}: ${pipeline.webUrl ?? `${conn.host}/${conn.project}/-/pipelines/${pipeline.id}`}`);
  result.pipeline = { id: pipeline.id, url: pipeline.webUrl, status: pipeline.status };
  if (o.wait === false) return result;
  const end = await followPipeline(follow, pipeline.id);
  result.pipeline.status = end.status;
  result.exitCode = end.exitCode;
  return result;
}
