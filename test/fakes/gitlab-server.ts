import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeRunnersApi } from './gitlab-runners-api.js';
import type { FakeUser } from './gitlab-runners-api.js';

// A faithful fake of the GitLab REST API routes `dap sync --pipeline` uses, following GitLab's API
// docs (doc/api/jobs.md, doc/api/job_artifacts.md, doc/api/rest/index.md#pagination):
//   GET /api/v4/projects/:id/pipelines/:pipeline_id/jobs     (scope[], include_retried, page, per_page)
//   GET /api/v4/projects/:id/pipelines/:pipeline_id/bridges  (scope[], page, per_page)
//   GET /api/v4/projects/:id/jobs/:job_id/artifacts          (the archive, application/zip)
// Auth: PRIVATE-TOKEN or JOB-TOKEN header (or private_token / job_token query), else 401
// {"message":"401 Unauthorized"}. Unknown things: 404 {"message":"404 Not found"} (GitLab's
// shapes: "404 Project Not Found", "404 Not found" for jobs/pipelines/artifacts).
// Offset pagination headers: x-page, x-per-page, x-next-page, x-prev-page, x-total, x-total-pages, link.
// Runner routes (create, verify, list, show, edit, delete, jobs/request): ./gitlab-runners-api.ts.

export interface FakeJob {
  id: number;
  name: string;
  status?: string;
  stage?: string;
  retried?: boolean;
  /** zip bytes of the job's artifacts archive; undefined: no artifacts */
  archive?: Buffer;
}

export interface FakePipeline { id: number; jobs: FakeJob[]; bridges?: Array<{ id: number; name: string; downstream: number }> }

export interface FakeProject { id: number; path: string; pipelines: FakePipeline[] }

/** A request as extra route modules see it (body read whole); the module answers and returns true, or returns false. */
export interface FakeRequest {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  token?: string;
  jobToken?: string;
}
export type FakeRoute = (req: FakeRequest, res: http.ServerResponse) => boolean | Promise<boolean>;

export interface FakeGitlab {
  url: string;
  requests: Array<{ method: string; path: string; auth?: string }>;
  runners: FakeRunnersApi;
  close(): Promise<void>;
}

/** maxPerPage: GitLab caps per_page at 100; a smaller cap makes pagination testable with few jobs. */
/**
 * users: personal access tokens with scopes (runner routes); tokens: tokens for the job/artifact
 * routes. listenHost: 127.0.0.1, or the gateway address of a docker test network. routes: extra route
 * modules tried first, in order (e.g. test/fakes/gitlab-report-routes.ts); they see the raw body.
 */
export async function startFakeGitlab(opts: { projects: FakeProject[]; tokens: string[]; jobTokens?: string[]; maxPerPage?: number; users?: FakeUser[]; listenHost?: string; routes?: FakeRoute[]; port?: number }): Promise<FakeGitlab> {
  const requests: FakeGitlab['requests'] = [];
  const runners = new FakeRunnersApi(opts.users ?? [], opts.projects.map((p) => p.id));
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const token = header(req, 'private-token') ?? url.searchParams.get('private_token') ?? undefined;
    const jobToken = header(req, 'job-token') ?? url.searchParams.get('job_token') ?? undefined;
    requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, auth: token ? 'private' : jobToken ? 'job' : undefined });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const fr: FakeRequest = { method: req.method ?? 'GET', url, headers: req.headers, body: raw, token, jobToken };
    for (const route of opts.routes ?? []) if (await route(fr, res)) return;
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const authed = Boolean((token && opts.tokens.includes(token)) || (jobToken && (opts.jobTokens ?? []).includes(jobToken)));
    const body = parseBody(req, raw);
    if (body === undefined) return json(400, { error: 'body is not valid JSON' });
    const reply = runners.handle(req.method ?? 'GET', url.pathname, url.searchParams, body, token);
    if (reply) {
      if (reply.list) return paginate(reply.list);
      if (reply.text !== undefined) { res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers }); return res.end(reply.text); }
      if (reply.status === 204) { res.writeHead(204, reply.headers); return res.end(); }
      return json(reply.status, reply.body, reply.headers);
    }
    if (req.method !== 'GET') return json(405, { message: '405 Method Not Allowed' });
    if (!authed) return json(401, { message: '401 Unauthorized' });

    const m = /^\/api\/v4\/projects\/([^/]+)\/(pipelines\/(\d+)\/(jobs|bridges)|jobs\/(\d+)\/artifacts)$/.exec(url.pathname);
    if (!m) return json(404, { error: '404 Not Found' });
    const idOrPath = decodeURIComponent(m[1]!);
    const project = opts.projects.find((p) => String(p.id) === idOrPath || p.path === idOrPath);
    if (!project) return json(404, { message: '404 Project Not Found' });

    if (m[5]) {
      const job = project.pipelines.flatMap((p) => p.jobs).find((j) => j.id === Number(m[5]));
      if (!job || !job.archive) return json(404, { message: '404 Not found' });
      res.writeHead(200, {
        'content-type': 'application/zip',
        'content-disposition': `attachment; filename="artifacts.zip"`,
        'content-length': String(job.archive.length),
      });
      return res.end(job.archive);
    }
    const pipeline = project.pipelines.find((p) => p.id === Number(m[3]));
    if (!pipeline) return json(404, { message: '404 Not found' });
    const scopes = url.searchParams.getAll('scope[]').concat(url.searchParams.getAll('scope'));
    let items: unknown[];
    if (m[4] === 'jobs') {
      const includeRetried = url.searchParams.get('include_retried') === 'true';
      items = pipeline.jobs
        .filter((j) => includeRetried || !j.retried)
        .filter((j) => scopes.length === 0 || scopes.includes(j.status ?? 'success'))
        .sort((a, b) => b.id - a.id) // GitLab lists a pipeline's jobs newest first
        .map((j) => jobJson(j, project, pipeline.id));
    } else {
      items = (pipeline.bridges ?? []).map((b) => ({
        id: b.id, name: b.name, status: 'success', stage: 'run',
        pipeline: { id: pipeline.id, project_id: project.id },
        downstream_pipeline: { id: b.downstream, project_id: project.id, status: 'success' },
      }));
    }
    return paginate(items);
  function paginate(items: unknown[]) {
    const perPage = Math.min(opts.maxPerPage ?? 100, Math.max(1, Number(url.searchParams.get('per_page') ?? 20) || 20));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const totalPages = Math.max(1, Math.ceil(items.length / perPage));
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {
      'x-page': String(page), 'x-per-page': String(perPage), 'x-total': String(items.length), 'x-total-pages': String(totalPages),
      'x-next-page': page < totalPages ? String(page + 1) : '', 'x-prev-page': page > 1 ? String(page - 1) : '',
    };
    const base = `http://${req.headers.host}${url.pathname}`;
    const link = (p: number, rel: string) => {
      const q = new URLSearchParams(url.searchParams);
      q.set('page', String(p));
      q.set('per_page', String(perPage));
      return `<${base}?${q}>; rel="${rel}"`;
    };
    const links = [];
    if (page > 1) links.push(link(page - 1, 'prev'));
    if (page < totalPages) links.push(link(page + 1, 'next'));
    links.push(link(1, 'first'), link(totalPages, 'last'));
    headers.link = links.join(', ');
    return json(200, slice, headers);
  }
  });
  const host = opts.listenHost ?? '127.0.0.1';
  await new Promise<void>((r) => server.listen(opts.port ?? 0, host, () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    requests,
    runners,
    // keep-alive clients (a runner polling jobs/request) would hold close() open forever
    close: () => new Promise((r) => { server.close(() => r()); server.closeAllConnections(); }),
  };
}

function jobJson(j: FakeJob, project: FakeProject, pipelineId: number) {
  const artifacts = j.archive
    ? [{ file_type: 'archive', size: j.archive.length, filename: 'artifacts.zip', file_format: 'zip' }, { file_type: 'metadata', size: 100, filename: 'metadata.gz', file_format: 'gzip' }]
    : [];
  return {
    id: j.id, name: j.name, status: j.status ?? 'success', stage: j.stage ?? 'run', ref: 'main', tag: false,
    allow_failure: false, created_at: '2026-01-01T00:00:00.000Z', retried: Boolean(j.retried),
    pipeline: { id: pipelineId, project_id: project.id, ref: 'main', status: 'success' },
    web_url: `https://gitlab.example.com/${project.path}/-/jobs/${j.id}`,
    artifacts_file: j.archive ? { filename: 'artifacts.zip', size: j.archive.length } : undefined,
    artifacts,
  };
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** JSON or form bodies (gitbeaker sends JSON; gitlab-runner sends JSON); undefined when unreadable. */
function parseBody(req: http.IncomingMessage, raw: Buffer): Record<string, unknown> | undefined {
  const text = raw.toString('utf8');
  if (!text) return {};
  const type = header(req, 'content-type') ?? '';
  if (type.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}
