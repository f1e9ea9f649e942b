import YAML from 'yaml';
import { stringify } from 'smol-toml';
import { executorTables } from './config-toml.js';
import type { RunnerHost } from './inventory.js';

// Values for GitLab's `gitlab-runner` Helm chart (charts.gitlab.io) from one inventory entry.
// The chart reads the runner's glrt- token from the Secret named by `runners.secret` (keys
// `runner-token`, and `runner-registration-token` which must exist but stays empty); tags,
// run_untagged and locked live in GitLab with that token flow, so they are not values here.

export function secretNameFor(host: RunnerHost): string {
  return `dap-runner-${host.name}`;
}

export function helmValues(host: RunnerHost, gitlabUrl: string, secret = secretNameFor(host)): string {
  const kube = { ...host, executor: 'kubernetes' as const };
  const template = { runners: [{ name: host.description, executor: 'kubernetes', ...executorTables(kube) }] };
  const values = {
    gitlabUrl,
    concurrent: host.concurrent,
    checkInterval: 3,
    unregisterRunners: false,
    rbac: { create: true },
    runners: { secret, config: stringify(template).trimEnd() + '\n' },
  };
  const header = [
    `# Values for GitLab's gitlab-runner Helm chart, from infrastructure/runners.yaml host ${host.name}.`,
    '# The runner token is never in this file: create the runner in GitLab, then the Secret it names:',
    `#   kubectl -n ${host.kubernetes.namespace} create secret generic ${secret} \\`,
    '#     --from-literal=runner-registration-token="" --from-file=runner-token=/dev/stdin',
    `#   helm upgrade --install -n ${host.kubernetes.namespace} ${secret} gitlab/gitlab-runner -f THIS_FILE`,
  ];
  return header.join('\n') + '\n' + YAML.stringify(values, { blockQuote: 'literal' });
}
