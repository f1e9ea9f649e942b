// Routes `dap doctor` and `dap login` use, composed onto the fake GitLab (gitlab-server.ts), with
// the shapes of GitLab's API docs:
//   GET /api/v4/metadata                        (doc/api/metadata.md)
//   GET /api/v4/personal_access_tokens/self     (doc/api/personal_access_tokens.md: 401 for a bad token)
//   GET /api/v4/projects/:id                    (doc/api/projects.md: jobs_enabled, builds_access_level,
//                                                container_registry_access_level, container_registry_image_prefix)
//   GET /api/v4/runners/all                     (doc/api/runners.md: admin only, 403 otherwise)
//   GET /api/v4/runners/:id                     (with contacted_at)

import type { FakeRoute } from './gitlab-server.js';

export interface FakeToken { name: string; scopes: string[]; expires_at: string | null; admin?: boolean; revoked?: boolean }
export interface FakeDoctorProject { id: number; path: string; jobsEnabled?: boolean; registryPrefix?: string }
export interface FakeRunner { id: number; description: string; contacted_at: string | null; paused?: boolean }

/** Mutable: a test changes a runner's contacted_at or revokes a token between runs. */
export interface DoctorFakeState {
  tokens: Record<string, FakeToken>;
  projects: FakeDoctorProject[];
  runners: FakeRunner[];
  version?: string;
}

export function doctorRoutes(state: DoctorFakeState): FakeRoute {
  return (req, res) => {
    if (req.method !== 'GET') return false;
    const url = req.url;
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const auth = { token: req.token };
    const p = url.pathname;
    if (!/^\/api\/v4\/(metadata|version|personal_access_tokens\/self|projects\/[^/]+|runners\/(all|\d+))$/.test(p)) return false;
    const tok = auth.token ? state.tokens[auth.token] : undefined;
    if (!tok || tok.revoked) {
      reply(401, { message: '401 Unauthorized' });
      return true;
    }
    const version = state.version ?? '18.6.1';
    if (p === '/api/v4/metadata') {
      reply(200, { version, revision: 'a1b2c3d4e5f', kas: { enabled: false, externalUrl: null, version: null }, enterprise: false });
    } else if (p === '/api/v4/version') {
      reply(200, { version, revision: 'a1b2c3d4e5f' });
    } else if (p === '/api/v4/personal_access_tokens/self') {
      reply(200, {
        id: 42, name: tok.name, revoked: false, created_at: '2026-01-01T00:00:00.000Z', scopes: tok.scopes,
        user_id: 1, last_used_at: new Date().toISOString(), active: true, expires_at: tok.expires_at,
      });
    } else if (p.startsWith('/api/v4/projects/')) {
      const idOrPath = decodeURIComponent(p.slice('/api/v4/projects/'.length));
      const proj = state.projects.find((x) => String(x.id) === idOrPath || x.path === idOrPath);
      if (!proj) reply(404, { message: '404 Project Not Found' });
      else reply(200, projectJson(proj, `http://${req.headers.host}`));
    } else if (p === '/api/v4/runners/all') {
      if (!tok.admin) reply(403, { message: '403 Forbidden' });
      else reply(200, state.runners.map((r) => runnerJson(r)));
    } else {
      const r = state.runners.find((x) => x.id === Number(p.split('/').pop()));
      if (!r) reply(404, { message: '404 Runner Not Found' });
      else if (!tok.admin) reply(403, { message: '403 Forbidden' });
      else reply(200, { ...runnerJson(r), contacted_at: r.contacted_at, version: '18.6.0', revision: 'abc', platform: 'linux', architecture: 'amd64', tag_list: [], projects: [], groups: [] });
    }
    return true;
  };
}

const ONLINE_MS = 2 * 3600 * 1000; // GitLab's own "online" window

function runnerJson(r: FakeRunner) {
  const online = r.contacted_at !== null && Date.now() - Date.parse(r.contacted_at) < ONLINE_MS;
  return {
    id: r.id, description: r.description, ip_address: null, active: !r.paused, paused: Boolean(r.paused), is_shared: true,
    runner_type: 'instance_type', name: 'gitlab-runner', online, status: r.contacted_at === null ? 'never_contacted' : online ? 'online' : 'offline',
  };
}

function projectJson(p: FakeDoctorProject, base: string) {
  const jobs = p.jobsEnabled ?? true;
  return {
    id: p.id, name: p.path.split('/').pop(), path: p.path.split('/').pop(), path_with_namespace: p.path,
    web_url: `${base}/${p.path}`, default_branch: 'main', archived: false, visibility: 'private',
    jobs_enabled: jobs, builds_access_level: jobs ? 'enabled' : 'disabled',
    container_registry_enabled: Boolean(p.registryPrefix), container_registry_access_level: p.registryPrefix ? 'enabled' : 'disabled',
    container_registry_image_prefix: p.registryPrefix ?? '',
  };
}
