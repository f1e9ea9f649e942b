// GitLab checks: the API answers, the token is valid and has the scopes dap needs, the project
// exists with CI enabled, and its container registry answers (/v2/ gives 200 or 401 when up).

import { htmlAnswerMessage, looksLikeHtml, redactUrl } from '../../adapters/http/index.js';
import { TLS_WARN_DAYS } from '../../core/doctor/model.js';
import { GITLAB_URL_HINT } from '../../adapters/gitlab/client.js';
import { API_SCOPES, gitlabApi, projectInfo, tokenInfo, type ProjectInfo } from '../probes/gitlab.js';
import { fail, networkCode, pass, skip, warn, type Chain } from './runner.js';

const LOGIN_HINT = 'run `dap login` (or set GITLAB_URL and GITLAB_TOKEN)';

/** `runners`: the runner checks, which need GitLab to answer and the token to work (run last). */
export function gitlabChain(env: NodeJS.ProcessEnv, timeoutMs: number, projectOpt?: string, runners: Chain = []): Chain {
  const host = (env.GITLAB_URL ?? env.CI_SERVER_URL)?.replace(/\/+$/, '');
  if (!host) return [{ check: 'gitlab.reachable', target: '(not configured)', run: async () => skip('no GitLab configured', LOGIN_HINT) }, ...runners];
  const target = redactUrl(host).replace(/\/+$/, '');
  const token = env.GITLAB_TOKEN;
  const project = projectOpt ?? env.GITLAB_PROJECT ?? env.CI_PROJECT_ID ?? env.CI_PROJECT_PATH;
  const api = token ? gitlabApi(host, token, timeoutMs) : undefined;
  let info: ProjectInfo | undefined;

  const chain: Chain = [
    {
      check: 'gitlab.reachable', target,
      run: async (signal) => {
        let res: Response;
        const url = `${host}/api/v4/metadata`;
        try {
          res = await fetch(url, { headers: token ? { 'PRIVATE-TOKEN': token } : {}, signal });
        } catch (e) {
          return fail(`cannot reach ${target} (${networkCode(e)})`, 'check the GitLab URL and the network; is GitLab up?');
        }
        const text = await res.text();
        if (looksLikeHtml(text, res.headers.get('content-type'))) return fail(htmlAnswerMessage({ vendor: 'GitLab', url, status: res.status, body: text, what: 'metadata' }), GITLAB_URL_HINT);
        if (res.status >= 500) return fail(`GitLab answered HTTP ${res.status}`, 'GitLab is starting or broken: check `gitlab-ctl status` on the service host');
        const version = res.ok ? (JSON.parse(text) as { version?: string }).version : undefined;
        return pass(version ? `GitLab ${version}` : `answers (HTTP ${res.status})`);
      },
    },
    {
      check: 'gitlab.token', target,
      run: async () => {
        if (!api) return env.CI_JOB_TOKEN ? skip('a CI job token: its scopes are fixed by GitLab') : fail('no token', LOGIN_HINT);
        const t = await tokenInfo(api, target);
        const usable = t.scopes.filter((s) => API_SCOPES.includes(s));
        if (!usable.length) return fail(`token "${t.name}" has scopes ${t.scopes.join(', ') || '(none)'}, needs api or read_api`, 'create a token with the api scope (read_api for read-only use) and run `dap login` again');
        const days = t.expiresAt ? Math.floor((Date.parse(t.expiresAt) - Date.now()) / 86_400_000) : undefined;
        const detail = `"${t.name}", scopes ${t.scopes.join(', ')}${days === undefined ? ', no expiry' : `, expires in ${days} days`}`;
        return days !== undefined && days < TLS_WARN_DAYS ? warn(detail, 'rotate the token soon and run `dap login` again') : pass(detail);
      },
    },
  ];
  if (!project) {
    chain.push({ check: 'gitlab.project', target, independent: true, run: async () => skip('no project configured', 'pass --project, or `dap login --gitlab-project PATH`, or set GITLAB_PROJECT') });
    return [...chain, ...runners];
  }
  const ptarget = `${target}/${project}`;
  chain.push(
    {
      check: 'gitlab.project', target: ptarget, independent: true,
      run: async () => {
        if (!api) return skip('no token to read the project with');
        info = await projectInfo(api, target, project);
        return pass(`${info.path} (id ${info.id})`);
      },
    },
    {
      check: 'gitlab.ci', target: ptarget, independent: true,
      run: async () => (!info ? skip('project not read') : info.jobsEnabled ? pass('CI/CD enabled') : fail('CI/CD is disabled for this project', 'enable it: Settings → General → Visibility → CI/CD')),
    },
    {
      check: 'gitlab.registry', target: ptarget, independent: true,
      run: async (signal) => {
        if (!info) return skip('project not read');
        if (!info.registryEnabled || !info.registryPrefix) return fail('the container registry is disabled for this project', 'enable it (Settings → General → Visibility → Container registry); dap env push needs it');
        const registry = info.registryPrefix.split('/')[0]!;
        const scheme = /^(127\.|localhost[:/]|localhost$|\[::1\])/.test(registry) ? 'http' : 'https';
        try {
          const res = await fetch(`${scheme}://${registry}/v2/`, { signal });
          await res.arrayBuffer();
          return res.status === 200 || res.status === 401 ? pass(`${registry} answers (HTTP ${res.status})`) : fail(`${registry}/v2/ answered HTTP ${res.status}`, 'check the registry service on the GitLab host');
        } catch (e) {
          return fail(`cannot reach the registry ${registry} (${networkCode(e)})`, 'check the registry service and its TLS certificate');
        }
      },
    },
  );
  return [...chain, ...runners];
}
