import type { GitlabApi } from './client.js';

// A pipeline's jobs (all pages, retried attempts included: each may hold its own journal) and,
// through its bridge (trigger) jobs, the jobs of its child pipelines.

export interface PipelineJob {
  id: number;
  name: string;
  status: string;
  pipelineId: number;
  projectId: string | number;
  hasArchive: boolean;
}

interface RawJob { id: number; name: string; status: string; artifacts?: Array<{ file_type?: string }>; artifacts_file?: { filename?: string } | null }
interface RawBridge { downstream_pipeline?: { id: number; project_id: number } | null }

export async function listPipelineJobs(api: GitlabApi, project: string | number, pipelineId: number, depth = 0): Promise<PipelineJob[]> {
  const jobs = (await api.Jobs.all(project, { pipelineId, includeRetried: true, perPage: 100 } as never)) as unknown as RawJob[];
  const out: PipelineJob[] = jobs.map((j) => ({
    id: j.id, name: j.name, status: j.status, pipelineId, projectId: project,
    hasArchive: Boolean(j.artifacts_file?.filename) || (j.artifacts ?? []).some((a) => a.file_type === 'archive'),
  }));
  if (depth >= 3) return out;
  const bridges = (await api.Jobs.allPipelineBridges(project, pipelineId, { perPage: 100 } as never)) as unknown as RawBridge[];
  for (const b of bridges) {
    const child = b.downstream_pipeline;
    if (child?.id) out.push(...(await listPipelineJobs(api, child.project_id ?? project, child.id, depth + 1)));
  }
  return out;
}
