import type { GitlabApi } from './client.js';

// The report's comment: one merge-request note found by a hidden marker and edited in place; on a
// commit without an MR, a commit comment (GitLab cannot edit those: an identical one is not re-posted).

export type UpsertAction = 'created' | 'updated' | 'unchanged';

/** Uploads get a new secret path each time: the same report re-uploaded is still the same report. */
const sameReport = (a: string, b: string) => a.replace(UPLOAD_PATH, '/uploads/') === b.replace(UPLOAD_PATH, '/uploads/');
const UPLOAD_PATH = /\/uploads\/[0-9a-f]{32}\//g;

interface RawNote { id: number; body?: string; system?: boolean }
interface RawCommitComment { note?: string }

export async function upsertMrNote(api: GitlabApi, project: string | number, iid: number, marker: string, body: string): Promise<{ id: number; action: UpsertAction }> {
  const notes = (await api.MergeRequestNotes.all(project, iid, { perPage: 100, sort: 'asc', orderBy: 'created_at' } as never)) as unknown as RawNote[];
  const mine = notes.find((n) => !n.system && typeof n.body === 'string' && n.body.includes(marker));
  if (!mine) {
    const created = (await api.MergeRequestNotes.create(project, iid, body)) as unknown as RawNote;
    return { id: created.id, action: 'created' };
  }
  if (sameReport(mine.body!, body)) return { id: mine.id, action: 'unchanged' };
  await api.MergeRequestNotes.edit(project, iid, mine.id, { body });
  return { id: mine.id, action: 'updated' };
}

export async function postCommitComment(api: GitlabApi, project: string | number, sha: string, body: string): Promise<{ action: UpsertAction }> {
  const comments = (await api.Commits.allComments(project, sha, { perPage: 100 } as never)) as unknown as RawCommitComment[];
  if (comments.some((c) => typeof c.note === 'string' && sameReport(c.note, body))) return { action: 'unchanged' };
  await api.Commits.createComment(project, sha, body);
  return { action: 'created' };
}

/** POST /projects/:id/uploads; the answer's `markdown` is how GitLab wants the file referenced. */
export async function uploadFile(api: GitlabApi, project: string | number, filename: string, content: Buffer, type: string): Promise<string> {
  const r = (await api.Projects.uploadForReference(project, { content: new Blob([content], { type }), filename })) as unknown as { markdown?: string; url?: string };
  if (typeof r.markdown !== 'string') throw new Error(`GitLab's upload answer has no markdown field (url: ${String(r.url)})`);
  return r.markdown;
}
