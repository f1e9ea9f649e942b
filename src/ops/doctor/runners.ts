// Runner checks: every runner named in the inventory is registered in GitLab and has contacted it
// within the last few minutes; GitLab runners the inventory does not know are orphans. Needs an
// administrator's token (GET /runners/all is admin-only).

import { httpStatusOf } from '../../adapters/http/status-of.js';
import { RUNNER_ONLINE_S } from '../../core/doctor/model.js';
import { explain, gitlabApi } from '../probes/gitlab.js';
import { fail, pass, skip, warn, type Chain, type Outcome } from './runner.js';

export function runnersChain(env: NodeJS.ProcessEnv, timeoutMs: number, inventoryRunners: readonly string[], inventoryFile: string): Chain {
  const host = (env.GITLAB_URL ?? env.CI_SERVER_URL)?.replace(/\/+$/, '');
  const target = host ?? '(not configured)';
  return [{
    check: 'runners', target,
    run: async (): Promise<Outcome | Outcome[]> => {
      if (!host || !env.GITLAB_TOKEN) return skip('no GitLab URL/token configured', 'run `dap login`');
      if (!inventoryRunners.length) return skip(`no runners in ${inventoryFile}`);
      const api = gitlabApi(host, env.GITLAB_TOKEN, timeoutMs);
      let all: Array<{ id: number; description?: string }>;
      try {
        all = (await api.Runners.all()) as Array<{ id: number; description?: string }>;
      } catch (e) {
        const err = explain(e, host, 'listing runners (/runners/all)');
        const status = httpStatusOf(e);
        return fail(err.message, status === 403 ? 'listing all runners needs an administrator token' : err.hint);
      }
      const out: Outcome[] = [];
      for (const name of inventoryRunners) {
        const r = all.find((x) => x.description === name);
        if (!r) { out.push(fail(`${name}: not registered in GitLab`, 'register it: `dap runners register` (or make provision)')); continue; }
        const full = (await api.Runners.show(r.id)) as { contacted_at?: string | null };
        const age = full.contacted_at ? (Date.now() - Date.parse(full.contacted_at)) / 1000 : Infinity;
        out.push(age <= RUNNER_ONLINE_S
          ? pass(`${name}: online (contacted ${Math.round(age)} s ago)`)
          : fail(`${name}: offline (${full.contacted_at ? `last contact ${Math.round(age / 60)} min ago` : 'never contacted'})`, 'check gitlab-runner on its host: systemctl status gitlab-runner; gitlab-runner verify'));
      }
      const orphans = all.filter((x) => !inventoryRunners.includes(x.description ?? ''));
      if (orphans.length) out.push(warn(`orphaned (in GitLab, not in ${inventoryFile}): ${orphans.map((o) => o.description || `#${o.id}`).join(', ')}`, 'remove them from GitLab or add them to the inventory'));
      return out;
    },
  }];
}
