import { MAX_TAG_VALUE_LENGTH } from '../core/mlflow/limits.js';

// Lineage tags from the CI environment, one builder for every run dap records: runs tracked by
// `dap track` and bare runs of foreign images imported by `dap sync` get the same tags from the
// same pipeline.

/** Identities go into MLflow filter strings in single quotes: keep them free of quotes and backslashes. */
export function sanitizeIdentity(id: string): string {
  return id.replace(/['"\\\n\r]/g, '_').slice(0, 250);
}

/**
 * Where a run comes from: its pipeline on GitLab, or this machine in `dap run --local` (whose
 * CI_* values gitlab-ci-local makes up, so they are left out).
 */
export function originTags(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  if (env.DAP_SOURCE === 'local') {
    return {
      'dap.source': 'local',
      'mlflow.source.type': 'LOCAL',
      'mlflow.source.git.commit': env.DAP_GIT_COMMIT,
      'mlflow.source.git.branch': env.DAP_GIT_BRANCH,
      'mlflow.source.git.repoURL': env.DAP_GIT_REMOTE,
      'mlflow.user': env.DAP_USER,
      'dap.git.dirty': env.DAP_GIT_DIRTY,
      'dap.pipeline_id': env.DAP_LOCAL_PIPELINE_ID,
    };
  }
  return {
    'dap.source': env.GITLAB_CI === 'true' ? 'gitlab' : undefined,
    'mlflow.source.type': 'JOB',
    'mlflow.source.git.commit': env.CI_COMMIT_SHA,
    'mlflow.source.git.branch': env.CI_COMMIT_TAG ? undefined : (env.CI_COMMIT_BRANCH ?? env.CI_COMMIT_REF_NAME),
    'mlflow.source.git.repoURL': env.CI_PROJECT_URL,
    'mlflow.user': env.GITLAB_USER_LOGIN,
    'dap.git.ref': env.CI_COMMIT_REF_NAME,
    'dap.git.tag': env.CI_COMMIT_TAG,
    'dap.project': env.CI_PROJECT_PATH,
    'dap.pipeline_id': env.CI_PIPELINE_ID,
    'dap.pipeline_url': env.CI_PIPELINE_URL,
    'dap.mr_iid': env.CI_MERGE_REQUEST_IID,
  };
}

/** The GitLab job that ran the training: only true of a tracked run (a foreign run's job is not the sync job). */
export function jobTags(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return {
    'dap.job_id': env.CI_JOB_ID,
    'dap.job_url': env.CI_JOB_URL,
    'dap.runner': env.CI_RUNNER_DESCRIPTION,
    'dap.runner_id': env.CI_RUNNER_ID,
    'dap.image': env.CI_JOB_IMAGE,
    'dap.image_digest': env.DAP_IMAGE_DIGEST,
  };
}

/** Drops empty values and cuts each to MLflow's tag value limit. */
export function finishTags(tags: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) if (v !== undefined && v !== '') out[k] = v.slice(0, MAX_TAG_VALUE_LENGTH);
  return out;
}
