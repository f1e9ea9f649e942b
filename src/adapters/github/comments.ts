import type { GithubRepo } from './client.js';
import type { UpsertAction } from '../gitlab/notes.js';

// A pull request's report comment, found by the hidden marker and edited in place, and the commit
// status that links the GitHub commit to the GitLab pipeline.

export async function upsertPrComment(gh: GithubRepo, pr: number, marker: string, body: string): Promise<{ id: number; action: UpsertAction }> {
  const comments = await gh.api.paginate(gh.api.rest.issues.listComments, { owner: gh.owner, repo: gh.repo, issue_number: pr, per_page: 100 });
  const mine = comments.find((c) => typeof c.body === 'string' && c.body.includes(marker));
  if (!mine) {
    const { data } = await gh.api.rest.issues.createComment({ owner: gh.owner, repo: gh.repo, issue_number: pr, body });
    return { id: data.id, action: 'created' };
  }
  if (mine.body === body) return { id: mine.id, action: 'unchanged' };
  await gh.api.rest.issues.updateComment({ owner: gh.owner, repo: gh.repo, comment_id: mine.id, body });
  return { id: mine.id, action: 'updated' };
}

export type CommitState = 'error' | 'failure' | 'pending' | 'success';

export async function setCommitStatus(gh: GithubRepo, sha: string, state: CommitState, targetUrl: string | undefined, description: string): Promise<void> {
  await gh.api.rest.repos.createCommitStatus({
    owner: gh.owner, repo: gh.repo, sha, state, context: 'dap/pipeline',
    description: description.slice(0, 140), ...(targetUrl ? { target_url: targetUrl } : {}),
  });
}
