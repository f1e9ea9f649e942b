import { gitlabError, type GitlabConnection } from '../adapters/gitlab/client.js';
import { FINISHED_PIPELINE, pipelineForSha, pipelineSnapshot, type PipelineInfo } from '../adapters/gitlab/pipelines.js';
import { retryTransient, type TransientRetry } from '../adapters/http/transient-retry.js';
import { DapError, ExitCode } from '../errors.js';

// After a push: find the pipeline GitLab makes for the commit (it takes a moment: bounded polling),
// then follow it with one line per job state change. The exit code is the pipeline's result.

export interface FollowOptions {
  conn: GitlabConnection;
  retry: TransientRetry;
  pollMs: number;
  say: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function findPipeline(o: FollowOptions, sha: string, ref: string, timeoutMs: number): Promise<PipelineInfo> {
  const { conn } = o;
  const sleep = o.sleep ?? defaultSleep;
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    const found = await retryTransient(() => pipelineForSha(conn.api, conn.project, sha, ref), o.retry)
      .catch((e: unknown) => { throw gitlabError(e, conn.host, `looking for the pipeline of ${sha.slice(0, 12)}`); });
    if (found) return found;
    if (Date.now() + o.pollMs > deadline) {
      throw new DapError(`GitLab made no pipeline for ${sha.slice(0, 12)} on ${ref} within ${Math.round(timeoutMs / 1000)} s (${attempt} look(s))`, {
        hint: 'check that CI/CD is enabled for the project and that the workflow rules of .gitlab-ci.yml run on this branch; the push itself succeeded',
      });
    }
    await sleep(o.pollMs);
  }
}

const time = () => new Date().toISOString().slice(11, 19);

/** Exit code: 0 success (or skipped), 1 failed/canceled, and the pipeline's last state. */
export async function followPipeline(o: FollowOptions, pipelineId: number): Promise<{ status: string; exitCode: number }> {
  const { conn } = o;
  const sleep = o.sleep ?? defaultSleep;
  const seen = new Map<number, string>();
  for (;;) {
    const snap = await retryTransient(() => pipelineSnapshot(conn.api, conn.project, pipelineId), o.retry)
      .catch((e: unknown) => { throw gitlabError(e, conn.host, `reading pipeline ${pipelineId}`); });
    for (const j of [...snap.jobs].sort((a, b) => a.id - b.id)) {
      if (seen.get(j.id) === j.status) continue;
      seen.set(j.id, j.status);
      o.say(`${time()}  ${j.status.padEnd(9)} ${j.name} (job ${j.id}${j.pipelineId !== pipelineId ? `, child pipeline ${j.pipelineId}` : ''})`);
    }
    const status = snap.pipeline.status;
    if (FINISHED_PIPELINE.has(status) || status === 'manual') {
      o.say(`${time()}  pipeline ${pipelineId} ${status}${status === 'manual' ? ' (waiting for a manual job)' : ''}`);
      return { status, exitCode: status === 'success' || status === 'skipped' || status === 'manual' ? ExitCode.ok : ExitCode.failure };
    }
    await sleep(o.pollMs);
  }
}
