import { it, expect } from 'vitest';
import { doctorRoutes } from '../fakes/gitlab-doctor-routes.js';
import { startFakeGitlab } from '../fakes/gitlab-server.js';
import { dap, tmpDir } from '../tracking/helpers.js';
it('scratch', async () => {
  const g = await startFakeGitlab({ projects: [], tokens: ['t0k3n'], routes: [doctorRoutes({ tokens: { t0k3n: { name: 'x', scopes: ['api'], expires_at: '2026-12-10', admin: true } }, projects: [{ id: 1, path: 'a/b', registryPrefix: '127.0.0.1:1/a/b' }], runners: [] })] });
  const cwd = tmpDir('s');
  const r = await dap(['doctor', '--only', 'gitlab,local'], { cwd, env: { GITLAB_URL: g.url, GITLAB_TOKEN: 't0k3n', GITLAB_PROJECT: 'a/b', XDG_CONFIG_HOME: cwd } });
  console.log(r.stdout, r.stderr, r.code);
  const l = await dap(['login', '--gitlab-url', g.url, '--with-token'], { cwd, env: { XDG_CONFIG_HOME: cwd } });
  console.log(l.stdout, l.stderr, l.code);
  await g.close();
}, 60000);
