import { httpStatusOf } from '../http/status-of.js';
import fs from 'node:fs';
import path from 'node:path';
import { gitlabError, gitlabFromEnv } from './client.js';
import { listPipelineJobs } from './pipeline-jobs.js';
import { extractZip } from './zip-extract.js';

// Downloads the artifacts of every job of a pipeline (and its child pipelines) and unpacks what
// shipping needs: each job's .dap/ and the further files the caller names after reading it (the
// artifacts its journals upload), one directory per job (<dest>/job-<id>/), so cursors survive
// between `dap sync --pipeline` runs. The journal format is the caller's business, not GitLab's.

export interface FetchOptions {
  pipelineId: string;
  project?: string;
  env: NodeJS.ProcessEnv;
  dest: string;
  say: (line: string) => void;
  /** after a job's .dap/ is unpacked into `jobDir`: the archive paths (files or directories) also wanted */
  alsoExtract: (jobDir: string) => string[];
}

export async function fetchPipelineJournals(opts: FetchOptions): Promise<string> {
  const { api, host, project } = gitlabFromEnv(opts.env, opts.project);
  const pipelineId = Number(opts.pipelineId);
  let jobs;
  try {
    jobs = await listPipelineJobs(api, project, pipelineId);
  } catch (e) {
    throw gitlabError(e, host, `listing the jobs of pipeline ${pipelineId} in project ${project}`);
  }
  const withArtifacts = jobs.filter((j) => j.hasArchive);
  opts.say(`dap sync: pipeline ${pipelineId}: ${jobs.length} job(s), ${withArtifacts.length} with artifacts`);
  fs.mkdirSync(opts.dest, { recursive: true });
  let i = 0;
  for (const job of withArtifacts) {
    i++;
    let zip: Buffer;
    try {
      const blob = (await api.JobArtifacts.downloadArchive(job.projectId, { jobId: job.id })) as unknown as Blob;
      zip = Buffer.from(await blob.arrayBuffer());
    } catch (e) {
      const status = httpStatusOf(e);
      if (status === 404) {
        opts.say(`dap sync: [${i}/${withArtifacts.length}] job ${job.id} (${job.name}): artifacts expired or missing; skipped`);
        continue;
      }
      throw gitlabError(e, host, `downloading the artifacts of job ${job.id}`);
    }
    const dir = path.join(opts.dest, `job-${job.id}`);
    const dap = await extractZip(zip, dir, (name) => name.startsWith('.dap/') && !name.endsWith('.lock'));
    // second pass: what the unpacked .dap/ asks for
    const wanted = opts.alsoExtract(dir);
    const files = wanted.length ? await extractZip(zip, dir, (name) => wanted.some((w) => name === w || name.startsWith(w + '/'))) : [];
    opts.say(`dap sync: [${i}/${withArtifacts.length}] job ${job.id} (${job.name}): ${dap.length + files.length} file(s), ${(zip.length / 1024).toFixed(0)} KiB`);
  }
  return opts.dest;
}
