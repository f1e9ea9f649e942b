import { randomBytes } from 'node:crypto';

// The runner routes of the fake GitLab, after GitLab's API docs (doc/api/runners.md,
// doc/api/users.md "Create a runner linked to a user", doc/api/runners.md "Verify authentication
// for a registered runner") and the runner-facing API (lib/api/ci/runner.rb: POST /runners/verify,
// DELETE /runners, POST /jobs/request):
//   POST   /user/runners            PAT with create_runner (or api) scope -> 201 {id, token: glrt-…, token_expires_at}
//   POST   /runners/verify          {token, system_id} -> 200 {id, token, token_expires_at} | 403
//   DELETE /runners                 {token} -> 204 | 403
//   POST   /jobs/request            {token, …} -> 204 (no job; marks the runner contacted) | 403
//   GET    /runners/all             admin PAT (read_api/api) -> paginated list
//   GET    /projects/:id/runners    PAT (read_api/api) -> paginated list
//   GET    /runners/:id             details (tag_list, run_untagged, locked, contacted_at, …) | 404
//   PUT    /runners/:id             PAT (manage_runner/api) -> details
//   DELETE /runners/:id             PAT (manage_runner/api) -> 204 | 404
// 401 {"message":"401 Unauthorized"} for an unknown PAT; 403 {"error":"insufficient_scope",…} for a
// missing scope; 429 text/plain "Retry later" with Retry-After when a rate limit is injected.

export interface FakeUser { token: string; scopes: string[]; admin?: boolean }

export interface FakeRunner {
  id: number;
  token: string;
  description: string;
  runner_type: 'instance_type' | 'group_type' | 'project_type';
  project_ids: number[];
  group_ids: number[];
  tag_list: string[];
  run_untagged: boolean;
  locked: boolean;
  paused: boolean;
  maximum_timeout: number | null;
  access_level: string;
  contacted_at: string | null;
  system_ids: string[];
}

export interface RunnerReply { status: number; body?: unknown; headers?: Record<string, string>; text?: string; list?: unknown[] }

const ONLINE_WINDOW_MS = 2 * 60 * 60 * 1000; // GitLab: Ci::Runner::ONLINE_CONTACT_TIMEOUT

export class FakeRunnersApi {
  runners: FakeRunner[] = [];
  private nextId = 1;
  private limits: Array<{ match: RegExp; remaining: number; retryAfter: number }> = [];
  constructor(private readonly users: FakeUser[], private readonly projectIds: number[]) {}

  /** The next `times` requests whose "METHOD /path" matches answer 429 with Retry-After. */
  rateLimit(match: RegExp, times: number, retryAfterSeconds: number): void {
    this.limits.push({ match, remaining: times, retryAfter: retryAfterSeconds });
  }

  /** A runner created behind dap's back (e.g. by a run that crashed): what status calls an orphan. */
  inject(r: Partial<FakeRunner> & { description: string }): FakeRunner {
    const runner = this.newRunner({ runner_type: 'instance_type', ...r });
    return runner;
  }

  private newRunner(r: Partial<FakeRunner> & { description: string }): FakeRunner {
    const runner: FakeRunner = {
      id: this.nextId++, token: `glrt-${randomBytes(15).toString('base64url')}`, runner_type: 'instance_type', project_ids: [], group_ids: [],
      tag_list: [], run_untagged: false, locked: false, paused: false, maximum_timeout: null, access_level: 'not_protected', contacted_at: null, system_ids: [], ...r,
    };
    this.runners.push(runner);
    return runner;
  }

  /** undefined: not a runner route. */
  handle(method: string, path: string, query: URLSearchParams, body: Record<string, unknown>, pat: string | undefined): RunnerReply | undefined {
    const route = `${method} ${path.replace(/^\/api\/v4/, '')}`;
    if (!/^(POST \/user\/runners|POST \/runners\/verify|DELETE \/runners|POST \/jobs\/request|GET \/runners\/all|GET \/projects\/[^/]+\/runners|(GET|PUT|DELETE) \/runners\/\d+)$/.test(route)) return undefined;
    const limit = this.limits.find((l) => l.remaining > 0 && l.match.test(route));
    if (limit) {
      limit.remaining--;
      return { status: 429, text: 'Retry later\n', headers: { 'retry-after': String(limit.retryAfter) } };
    }
    const token = typeof body.token === 'string' ? body.token : query.get('token') ?? undefined;
    if (route === 'POST /runners/verify') {
      const r = this.byToken(token);
      if (!r) return forbidden();
      if (typeof body.system_id === 'string' && !r.system_ids.includes(body.system_id)) r.system_ids.push(body.system_id);
      return { status: 200, body: { id: r.id, token: r.token, token_expires_at: null } };
    }
    if (route === 'DELETE /runners') {
      const r = this.byToken(token);
      if (!r) return forbidden();
      this.runners = this.runners.filter((x) => x !== r);
      return { status: 204 };
    }
    if (route === 'POST /jobs/request') {
      const r = this.byToken(token);
      if (!r) return forbidden();
      r.contacted_at = new Date().toISOString();
      return { status: 204, headers: { 'x-gitlab-last-update': randomBytes(8).toString('hex') } };
    }
    const user = this.users.find((u) => u.token === pat);
    if (!user) return { status: 401, body: { message: '401 Unauthorized' } };
    const can = (...scopes: string[]) => user.scopes.some((s) => s === 'api' || scopes.includes(s));
    if (route === 'POST /user/runners') {
      if (!can('create_runner')) return insufficientScope('create_runner api');
      const type = body.runner_type;
      if (type !== 'instance_type' && type !== 'group_type' && type !== 'project_type') return { status: 400, body: { error: 'runner_type does not have a valid value' } };
      if (type === 'instance_type' && !user.admin) return { status: 403, body: { message: '403 Forbidden' } };
      const projectId = Number(body.project_id);
      if (type === 'project_type' && !this.projectIds.includes(projectId)) return { status: 403, body: { message: '403 Forbidden' } };
      const tags = Array.isArray(body.tag_list) ? body.tag_list.map(String) : typeof body.tag_list === 'string' ? body.tag_list.split(',').filter(Boolean) : [];
      const r = this.newRunner({
        description: String(body.description ?? ''), runner_type: type, project_ids: type === 'project_type' ? [projectId] : [],
        group_ids: type === 'group_type' ? [Number(body.group_id)] : [], tag_list: tags, run_untagged: body.run_untagged === true || body.run_untagged === 'true',
        locked: body.locked === true || body.locked === 'true', maximum_timeout: body.maximum_timeout === undefined ? null : Number(body.maximum_timeout),
      });
      return { status: 201, body: { id: r.id, token: r.token, token_expires_at: null } };
    }
    if (!can('read_api', 'manage_runner')) return insufficientScope('api read_api');
    if (route === 'GET /runners/all') {
      if (!user.admin) return { status: 403, body: { message: '403 Forbidden' } };
      const type = query.get('type');
      return { status: 200, list: this.runners.filter((r) => !type || r.runner_type === type).map(summary) };
    }
    const pm = /^GET \/projects\/([^/]+)\/runners$/.exec(route);
    if (pm) {
      const id = Number(decodeURIComponent(pm[1]!));
      if (!this.projectIds.includes(id)) return { status: 404, body: { message: '404 Project Not Found' } };
      return { status: 200, list: this.runners.filter((r) => r.runner_type === 'instance_type' || r.project_ids.includes(id)).map(summary) };
    }
    const rm = /^(GET|PUT|DELETE) \/runners\/(\d+)$/.exec(route)!;
    const runner = this.runners.find((r) => r.id === Number(rm[2]));
    if (!runner) return { status: 404, body: { message: '404 Runner Not Found' } };
    if (rm[1] === 'GET') return { status: 200, body: details(runner) };
    if (!can('manage_runner')) return insufficientScope('api manage_runner');
    if (rm[1] === 'DELETE') {
      this.runners = this.runners.filter((r) => r !== runner);
      return { status: 204 };
    }
    if (body.description !== undefined) runner.description = String(body.description);
    if (body.tag_list !== undefined) runner.tag_list = Array.isArray(body.tag_list) ? body.tag_list.map(String) : String(body.tag_list).split(',').filter(Boolean);
    if (body.run_untagged !== undefined) runner.run_untagged = body.run_untagged === true || body.run_untagged === 'true';
    if (body.locked !== undefined) runner.locked = body.locked === true || body.locked === 'true';
    if (body.maximum_timeout !== undefined) runner.maximum_timeout = Number(body.maximum_timeout);
    return { status: 200, body: details(runner) };
  }

  private byToken(token: string | undefined): FakeRunner | undefined {
    return token ? this.runners.find((r) => r.token === token) : undefined;
  }
}

function forbidden(): RunnerReply {
  return { status: 403, body: { message: '403 Forbidden' } };
}

function insufficientScope(scope: string): RunnerReply {
  return { status: 403, body: { error: 'insufficient_scope', error_description: 'The request requires higher privileges than provided by the access token.', scope } };
}

function status(r: FakeRunner): { online: boolean; status: string } {
  if (!r.contacted_at) return { online: false, status: 'never_contacted' };
  const online = Date.now() - Date.parse(r.contacted_at) < ONLINE_WINDOW_MS;
  return { online, status: online ? 'online' : 'offline' };
}

function summary(r: FakeRunner) {
  return { id: r.id, description: r.description, ip_address: null, active: !r.paused, paused: r.paused, is_shared: r.runner_type === 'instance_type', runner_type: r.runner_type, name: 'gitlab-runner', ...status(r) };
}

function details(r: FakeRunner) {
  return {
    ...summary(r), tag_list: r.tag_list, run_untagged: r.run_untagged, locked: r.locked, maximum_timeout: r.maximum_timeout, access_level: r.access_level,
    contacted_at: r.contacted_at, maintenance_note: null, version: null, revision: null, platform: null, architecture: null,
    projects: r.project_ids.map((id) => ({ id })), groups: r.group_ids.map((id) => ({ id })),
  };
}
