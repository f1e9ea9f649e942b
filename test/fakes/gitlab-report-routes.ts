import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { FakeRequest, FakeRoute } from './gitlab-server.js';

// The GitLab routes `dap report` and `dap submit` use, composed into test/fakes/gitlab-server.ts.
// Shapes and status codes follow GitLab's API docs:
//   doc/api/notes.md            GET/POST /projects/:id/merge_requests/:iid/notes, PUT …/notes/:note_id
//   doc/api/commits.md          GET/POST /projects/:id/repository/commits/:sha/comments
//   doc/api/projects.md         POST /projects/:id/uploads (multipart "file") -> {id, alt, url, full_path, markdown}
//   doc/api/merge_requests.md   GET /projects/:id/merge_requests/:iid (head_pipeline, target_branch…)
//   doc/api/pipelines.md        GET /projects/:id/pipelines?sha=&ref=, GET /projects/:id/pipelines/:id
//   doc/api/jobs.md             GET /projects/:id/pipelines/:id/jobs and …/bridges
// Token scopes: a personal/project token with read_api only gets 403 {"error":"insufficient_scope"…}
// on writes; a CI job token gets 401 on these endpoints (they are not in its allow-list).

export interface LiveJob { id: number; name: string; stage: string; status: string }
/** What the pipeline looks like on each successive GET of it; the last one stays. */
export interface LivePipeline { id: number; sha: string; ref: string; states: Array<{ status: string; jobs: LiveJob[] }>; child?: LivePipeline }

export interface FakeNote { id: number; body: string; system: boolean; created_at: string; updated_at: string }

export interface ReportRoutesOptions {
  projectId: number;
  projectPath: string;
  /** token -> scopes */
  tokens: Record<string, string[]>;
  mergeRequests?: Array<{ iid: number; source_branch: string; target_branch: string; sha: string; head_pipeline?: number }>;
  /** answers GET /pipelines?sha=: the pipeline GitLab made for a push (undefined: none yet) */
  pipelineForSha?: (sha: string, ref: string | null) => LivePipeline | undefined;
  /** pipelines that exist from the start (e.g. a merge request's head pipeline) */
  pipelines?: LivePipeline[];
  /** the next `times` requests matching method + path answer `status` */
  failures?: Array<{ method: string; path: RegExp; status: number; times: number }>;
}

export interface ReportRoutesState {
  notes: Map<number, FakeNote[]>;
  commitComments: Map<string, Array<{ note: string }>>;
  uploads: Array<{ filename: string; type: string; bytes: Buffer; url: string }>;
  pipelines: Map<number, LivePipeline & { reads: number }>;
  systemNote(iid: number, body: string): void;
}

const now = () => new Date().toISOString();

export function reportRoutes(o: ReportRoutesOptions): { route: FakeRoute; state: ReportRoutesState } {
  let nextNote = 1000;
  const state: ReportRoutesState = {
    notes: new Map(), commitComments: new Map(), uploads: [], pipelines: new Map(),
    systemNote(iid, body) { (state.notes.get(iid) ?? state.notes.set(iid, []).get(iid)!).push({ id: nextNote++, body, system: true, created_at: now(), updated_at: now() }); },
  };
  const webBase = `https://gitlab.example.com/${o.projectPath}`;
  const pipelineJson = (p: LivePipeline, status: string) => ({
    id: p.id, iid: p.id, project_id: o.projectId, sha: p.sha, ref: p.ref, status, source: 'push',
    created_at: '2026-01-01T00:00:00.000Z', updated_at: now(), web_url: `${webBase}/-/pipelines/${p.id}`,
  });
  const live = (id: number) => state.pipelines.get(id);
  const current = (p: LivePipeline & { reads: number }) => p.states[Math.min(p.reads, p.states.length) - 1] ?? p.states[0]!;
  const remember = (p: LivePipeline) => {
    if (!state.pipelines.has(p.id)) state.pipelines.set(p.id, { ...p, reads: 0 });
    if (p.child) remember(p.child);
    return state.pipelines.get(p.id)!;
  };

  for (const p of o.pipelines ?? []) remember(p);

  const route: FakeRoute = async (req: FakeRequest, res: http.ServerResponse) => {
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
      return true;
    };
    const m = /^\/api\/v4\/projects\/([^/]+)\/(.+)$/.exec(req.url.pathname);
    if (!m) return false;
    const rest = m[2]!;
    const ours = /^(merge_requests\/\d+(\/notes(\/\d+)?)?|repository\/commits\/[0-9a-f]+\/comments|uploads|pipelines(\/\d+(\/(jobs|bridges))?)?)$/.test(rest);
    if (!ours) return false;
    const pipelineSub = /^pipelines\/(\d+)\/(jobs|bridges)$/.exec(rest);
    if (pipelineSub && !live(Number(pipelineSub[1]))) return false; // a static pipeline of the core fake

    const project = decodeURIComponent(m[1]!);
    if (project !== String(o.projectId) && project !== o.projectPath) return json(404, { message: '404 Project Not Found' });
    const fail = o.failures?.find((f) => f.times > 0 && f.method === req.method && f.path.test(rest));
    if (fail) {
      fail.times--;
      return json(fail.status, { message: `${fail.status} Something went wrong` });
    }
    if (req.jobToken && !req.token) return json(401, { message: '401 Unauthorized' });
    const scopes = req.token ? o.tokens[req.token] : undefined;
    if (!scopes) return json(401, { message: '401 Unauthorized' });
    const write = req.method !== 'GET';
    if (!scopes.includes('api') && (write || !scopes.includes('read_api'))) {
      return json(403, { error: 'insufficient_scope', error_description: 'The request requires higher privileges than provided by the access token.', scope: write ? 'api' : 'api read_api' });
    }
    const body = (): Record<string, unknown> => {
      const text = req.body.toString('utf8');
      if (!text) return Object.fromEntries(req.url.searchParams);
      return String(req.headers['content-type']).includes('json') ? (JSON.parse(text) as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(text));
    };

    let mm: RegExpExecArray | null;
    if ((mm = /^merge_requests\/(\d+)$/.exec(rest)) && req.method === 'GET') {
      const mr = o.mergeRequests?.find((x) => x.iid === Number(mm![1]));
      if (!mr) return json(404, { message: '404 Not found' });
      const head = mr.head_pipeline ? live(mr.head_pipeline) : undefined;
      return json(200, {
        id: 5000 + mr.iid, iid: mr.iid, project_id: o.projectId, title: 'change', state: 'opened', source_branch: mr.source_branch,
        target_branch: mr.target_branch, sha: mr.sha, web_url: `${webBase}/-/merge_requests/${mr.iid}`,
        head_pipeline: head ? pipelineJson(head, current(head).status) : mr.head_pipeline ? { id: mr.head_pipeline, sha: mr.sha, ref: mr.source_branch, status: 'success', web_url: `${webBase}/-/pipelines/${mr.head_pipeline}` } : null,
      });
    }
    if ((mm = /^merge_requests\/(\d+)\/notes(?:\/(\d+))?$/.exec(rest))) {
      const iid = Number(mm[1]);
      if (!o.mergeRequests?.some((x) => x.iid === iid)) return json(404, { message: '404 Not found' });
      const notes = state.notes.get(iid) ?? state.notes.set(iid, []).get(iid)!;
      const full = (n: FakeNote) => ({ ...n, type: null, attachment: null, author: { id: 1, username: 'project_1_bot', name: 'dap bot' }, noteable_id: 5000 + iid, noteable_type: 'MergeRequest', noteable_iid: iid, project_id: o.projectId, resolvable: false, confidential: false, internal: false });
      if (req.method === 'GET' && !mm[2]) {
        const sort = req.url.searchParams.get('sort') === 'asc' ? 1 : -1; // GitLab's default: desc
        const perPage = Math.min(100, Number(req.url.searchParams.get('per_page') ?? 20) || 20);
        const page = Math.max(1, Number(req.url.searchParams.get('page') ?? 1) || 1);
        const all = [...notes].sort((a, b) => sort * (a.id - b.id));
        const pages = Math.max(1, Math.ceil(all.length / perPage));
        return json(200, all.slice((page - 1) * perPage, page * perPage).map(full), {
          'x-page': String(page), 'x-per-page': String(perPage), 'x-total': String(all.length), 'x-total-pages': String(pages),
          'x-next-page': page < pages ? String(page + 1) : '', 'x-prev-page': page > 1 ? String(page - 1) : '',
        });
      }
      if (req.method === 'POST' && !mm[2]) {
        const text = body().body;
        if (typeof text !== 'string' || !text) return json(400, { message: '400 Bad request - body is missing' });
        if (text.length > 1_000_000) return json(400, { message: { body: ['is too long (maximum is 1000000 characters)'] } });
        const n: FakeNote = { id: nextNote++, body: text, system: false, created_at: now(), updated_at: now() };
        notes.push(n);
        return json(201, full(n));
      }
      if (req.method === 'PUT' && mm[2]) {
        const n = notes.find((x) => x.id === Number(mm![2]));
        if (!n) return json(404, { message: '404 Not found' });
        const text = body().body;
        if (typeof text !== 'string' || !text) return json(400, { message: '400 Bad request - body is missing' });
        n.body = text;
        n.updated_at = now();
        return json(200, full(n));
      }
      return json(405, { message: '405 Method Not Allowed' });
    }
    if ((mm = /^repository\/commits\/([0-9a-f]+)\/comments$/.exec(rest))) {
      const list = state.commitComments.get(mm[1]!) ?? state.commitComments.set(mm[1]!, []).get(mm[1]!)!;
      const full = (c: { note: string }) => ({ note: c.note, path: null, line: null, line_type: null, author: { id: 1, username: 'project_1_bot' }, created_at: now() });
      if (req.method === 'GET') return json(200, list.map(full));
      const note = body().note;
      if (typeof note !== 'string' || !note) return json(400, { message: '400 Bad request - note is missing' });
      list.push({ note });
      return json(201, full({ note }));
    }
    if (rest === 'uploads' && req.method === 'POST') {
      const form = await new Response(new Uint8Array(req.body), { headers: { 'content-type': String(req.headers['content-type']) } }).formData().catch(() => undefined);
      const file = form?.get('file');
      if (!file || typeof file === 'string') return json(400, { message: '400 Bad request - file is missing' });
      const secret = randomBytes(16).toString('hex');
      const name = file.name.replace(/[^A-Za-z0-9._-]/g, '_');
      const url = `/uploads/${secret}/${name}`;
      state.uploads.push({ filename: name, type: file.type, bytes: Buffer.from(await file.arrayBuffer()), url });
      const alt = name.replace(/\.[^.]+$/, '');
      return json(201, { id: state.uploads.length, alt, url, full_path: `/-/project/${o.projectId}${url}`, markdown: `![${alt}](${url})` });
    }
    if (rest === 'pipelines' && req.method === 'GET') {
      const sha = req.url.searchParams.get('sha');
      const found = sha ? o.pipelineForSha?.(sha, req.url.searchParams.get('ref')) : undefined;
      if (!found) return json(200, [], { 'x-total': '0', 'x-total-pages': '1', 'x-page': '1', 'x-per-page': '20' });
      const p = remember(found);
      return json(200, [pipelineJson(p, current(p).status)], { 'x-total': '1', 'x-total-pages': '1', 'x-page': '1', 'x-per-page': '20' });
    }
    if ((mm = /^pipelines\/(\d+)$/.exec(rest)) && req.method === 'GET') {
      const p = live(Number(mm[1]));
      if (!p) return json(404, { message: '404 Not found' });
      p.reads++;
      if (p.child) state.pipelines.get(p.child.id)!.reads = p.reads;
      return json(200, pipelineJson(p, current(p).status));
    }
    if (pipelineSub) {
      const p = live(Number(pipelineSub[1]))!;
      const jobs = current(p).jobs;
      if (pipelineSub[2] === 'bridges') {
        if (!p.child) return json(200, []);
        const child = state.pipelines.get(p.child.id)!;
        return json(200, [{ id: p.id * 10, name: 'dap_run', stage: 'run', status: current(child).status, pipeline: { id: p.id, project_id: o.projectId }, downstream_pipeline: { id: child.id, project_id: o.projectId, status: current(child).status } }]);
      }
      return json(200, jobs.map((j) => ({ ...j, ref: p.ref, tag: false, allow_failure: false, pipeline: { id: p.id, project_id: o.projectId, ref: p.ref, sha: p.sha, status: current(p).status }, web_url: `${webBase}/-/jobs/${j.id}`, artifacts: [] })), { 'x-total': String(jobs.length), 'x-total-pages': '1', 'x-page': '1', 'x-per-page': '100' });
    }
    return json(405, { message: '405 Method Not Allowed' });
  };
  return { route, state };
}
