import type { GitlabApi } from './client.js';
import { listPipelineJobs, type PipelineJob } from './pipeline-jobs.js';

// Pipelines as `dap submit` follows them and `dap report` finds its subject: by commit SHA, by id,
// and a merge request's head pipeline.

export interface PipelineInfo { id: number; status: string; ref?: string; sha?: string; webUrl?: string }

export const FINISHED_PIPELINE = new Set(['success', 'failed', 'canceled', 'skipped']);

interface RawPipeline { id: number; status: string; ref?: string; sha?: string; web_url?: string }
const info = (p: RawPipeline): PipelineInfo => ({ id: p.id, status: p.status, ref: p.ref, sha: p.sha, webUrl: p.web_url });

/** The newest pipeline GitLab made for `sha` (optionally on `ref`), if there is one yet. */
export async function pipelineForSha(api: GitlabApi, project: string | number, sha: string, ref?: string): Promise<PipelineInfo | undefined> {
  const list = (await api.Pipelines.all(project, { sha, ...(ref ? { ref } : {}), orderBy: 'id', sort: 'desc', perPage: 20, maxPages: 1 } as never)) as unknown as RawPipeline[];
  const found = list.filter((p) => p.sha === undefined || p.sha === sha).sort((a, b) => b.id - a.id)[0];
  return found ? info(found) : undefined;
}

export async function showPipeline(api: GitlabApi, project: string | number, id: number): Promise<PipelineInfo> {
  return info((await api.Pipelines.show(project, id)) as unknown as RawPipeline);
}

export interface MergeRequestInfo { iid: number; sourceBranch: string; targetBranch: string; sha?: string; webUrl?: string; headPipeline?: PipelineInfo }

export async function showMergeRequest(api: GitlabApi, project: string | number, iid: number): Promise<MergeRequestInfo> {
  const mr = (await api.MergeRequests.show(project, iid)) as unknown as {
    iid: number; source_branch: string; target_branch: string; sha?: string; web_url?: string; head_pipeline?: RawPipeline | null;
  };
  return { iid: mr.iid, sourceBranch: mr.source_branch, targetBranch: mr.target_branch, sha: mr.sha, webUrl: mr.web_url, headPipeline: mr.head_pipeline ? info(mr.head_pipeline) : undefined };
}

export interface PipelineSnapshot { pipeline: PipelineInfo; jobs: PipelineJob[] }

/** The pipeline and every job of it and its child pipelines, as they are now. */
export async function pipelineSnapshot(api: GitlabApi, project: string | number, id: number): Promise<PipelineSnapshot> {
  const pipeline = await showPipeline(api, project, id);
  return { pipeline, jobs: await listPipelineJobs(api, project, id) };
}

/** Ids of the pipelines this one triggered (and theirs): in GitLab a child's jobs see the child's own CI_PIPELINE_ID. */
export async function childPipelineIds(api: GitlabApi, project: string | number, id: number, depth = 0): Promise<number[]> {
  if (depth >= 3) return [];
  const bridges = (await api.Jobs.allPipelineBridges(project, id, { perPage: 100 } as never)) as unknown as Array<{ downstream_pipeline?: { id: number } | null }>;
  const out: number[] = [];
  for (const b of bridges) {
    const child = b.downstream_pipeline?.id;
    if (child) out.push(child, ...(await childPipelineIds(api, project, child, depth + 1)));
  }
  return out;
}
