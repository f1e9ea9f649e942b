// `dap sweep resume`, run inside a trial job of rung N ≥ 1 before the command: fetches the
// checkpoint artifact the same configuration's run of rung N-1 uploaded to MLflow into
// $DAP_RESUME_DIR. A missing checkpoint is a warning, never a failed job: the run then trains
// from scratch, which costs time but gives the same result.

import fs from 'node:fs';
import path from 'node:path';
import { createMlflowClient } from '../adapters/mlflow/index.js';

export interface ResumeResult { fetched: string[]; from?: string; skipped?: string }

const KEY = /^[0-9a-f]{16}$/;
const ID = /^[0-9A-Za-z_-]{1,130}$/;
const SMALL = /^(0|[1-9][0-9]{0,3})$/;

export async function sweepResumeOp(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), say: (l: string) => void = (l) => process.stderr.write(l + '\n')): Promise<ResumeResult> {
  const skip = (why: string): ResumeResult => {
    say(`dap sweep resume: ${why}; the run starts from scratch`);
    return { fetched: [], skipped: why };
  };
  const key = env.DAP_RESUME_KEY ?? '';
  if (!key) return { fetched: [], skipped: 'no earlier rung' };
  const dir = path.resolve(cwd, env.DAP_RESUME_DIR || path.join('.dap', 'resume'));
  const artifact = (env.DAP_RESUME_ARTIFACT ?? '').replace(/\/+$/, '');
  const sweep = env.DAP_SWEEP_PIPELINE_ID ?? '';
  const rung = Number(env.DAP_RUNG);
  const bracket = env.DAP_BRACKET ?? '0';
  const experiment = env.DAP_TRACKING_EXPERIMENT || env.DAP_EXPERIMENT;
  if (!KEY.test(key) || !ID.test(sweep) || !SMALL.test(env.DAP_RUNG ?? '') || rung < 1 || !SMALL.test(bracket) || !artifact || artifact.split('/').includes('..') || path.isAbsolute(artifact) || !experiment) {
    return skip('DAP_RESUME_KEY, DAP_RESUME_ARTIFACT, DAP_SWEEP_PIPELINE_ID, DAP_RUNG or DAP_BRACKET is missing or malformed');
  }
  fs.mkdirSync(dir, { recursive: true });
  if (!env.MLFLOW_TRACKING_URI) return skip('no MLFLOW_TRACKING_URI to fetch the checkpoint from');
  try {
    const client = createMlflowClient({ env });
    const exp = await client.experiments.getByName(experiment);
    if (!exp) return skip(`MLflow has no experiment ${experiment}`);
    const filter = `tags.\`dap.sweep_pipeline_id\` = '${sweep}' and tags.\`dap.run_key\` = '${key}' and tags.\`dap.rung\` = '${rung - 1}' and tags.\`dap.bracket\` = '${bracket}'`;
    const { runs } = await client.runs.search({ experimentIds: [exp.experiment_id], filter, maxResults: 10, viewType: 'ACTIVE_ONLY' });
    const run = runs.filter((r) => r.info.status === 'FINISHED').sort((a, b) => (a.info.run_id < b.info.run_id ? -1 : 1))[0];
    if (!run) return skip(`no finished run ${key} in rung ${rung - 1} of sweep ${sweep}`);
    const files = await client.artifacts.listAll(run.info.run_id, artifact);
    const fetched: string[] = [];
    for (const f of files) {
      const rel = f.path.slice(artifact.length).replace(/^\/+/, '');
      const dest = path.resolve(dir, rel);
      // the listing is the server's answer: nothing it names may land outside $DAP_RESUME_DIR
      if (!rel || !dest.startsWith(dir + path.sep)) continue;
      await client.artifacts.download(run.info.run_id, f.path, dest);
      fetched.push(rel);
    }
    if (!fetched.length) return skip(`run ${run.info.run_id} has no ${artifact}/ artifact`);
    say(`dap sweep resume: ${fetched.length} file(s) of ${artifact}/ from run ${run.info.run_id} (rung ${rung - 1}, ${key}) in ${dir}`);
    return { fetched, from: run.info.run_id };
  } catch (e) {
    return skip(`cannot fetch the checkpoint: ${(e as Error).message}`);
  }
}
