import type { Command } from 'commander';
import type { StatusReport } from '../../core/runners/reconcile.js';
import { formatTable } from '../format/table.js';
import type { Outcomes } from '../outcome.js';
import { parsePositiveInt } from './validate.js';

// `dap runners …`: runner hosts declared in infrastructure/runners.yaml, converged over SSH.
// Thin declarations; the work is in src/ops/runners/. Ansible's runner_host role calls
// `dap runners register HOST --accept-new-host-keys --json`: keep these flags stable.

interface Opts { inventory?: string; json?: boolean; parallel?: number; acceptNewHostKeys?: boolean; yes?: boolean; gitlabUrl?: string; secret?: string }

export function register(program: Command, outcomes: Outcomes): void {
  const runners = program.command('runners').description('GitLab Runner hosts from infrastructure/runners.yaml: register, status, unregister, prune (over SSH)');
  const common = (c: Command) => c
    .option('--inventory <file>', 'runner inventory (default: infrastructure/runners.yaml here or in a parent directory)')
    .option('--json', 'print the result as JSON');
  const remote = (c: Command) => common(c)
    .option('--parallel <n>', 'hosts handled at once', (v) => parsePositiveInt(v, '--parallel'), 8)
    .option('--accept-new-host-keys', 'pin the host key of a host seen for the first time (its fingerprint is printed); a changed key still fails');

  common(runners.command('validate')).description('check the inventory; problems are printed as file:line:col with a code frame')
    .action(outcomes.action(async (o: Opts) => {
      const { validateCommand } = await import('../../ops/runners/commands.js');
      return await validateCommand(o);
    }));

  remote(runners.command('register [hosts...]')).description('create each host\'s runner in GitLab (POST /user/runners), install gitlab-runner, write config.toml, start it if needed, verify; idempotent')
    .action(outcomes.action(async (hosts: string[], o: Opts) => {
      const { registerCommand } = await import('../../ops/runners/commands.js');
      return await registerCommand(hosts, o);
    }));

  remote(runners.command('status')).description('reconcile GitLab\'s runners with each host\'s config.toml and the inventory; exit 1 when anything is wrong')
    .action(outcomes.action(async (o: Opts) => {
      const { statusCommand } = await import('../../ops/runners/commands.js');
      return await statusCommand(o, formatStatus);
    }));

  remote(runners.command('unregister <hosts...>')).description('delete the hosts\' runners from GitLab and from their config.toml')
    .action(outcomes.action(async (hosts: string[], o: Opts) => {
      const { unregisterCommand } = await import('../../ops/runners/commands.js');
      return await unregisterCommand(hosts, o);
    }));

  remote(runners.command('prune')).description('delete dap\'s runners that GitLab has but no host holds (listed first)')
    .option('-y, --yes', 'do not ask before deleting')
    .action(outcomes.action(async (o: Opts) => {
      const { pruneCommand } = await import('../../ops/runners/commands.js');
      return await pruneCommand(o);
    }));

  runners.command('k8s-values <host>').description('print values for GitLab\'s gitlab-runner Helm chart (Kubernetes executor) from the host\'s inventory entry')
    .option('--inventory <file>', 'runner inventory (default: infrastructure/runners.yaml here or in a parent directory)')
    .option('--gitlab-url <url>', 'GitLab URL the runner talks to (default: GITLAB_URL)')
    .option('--secret <name>', 'Kubernetes Secret holding runner-token (default: dap-runner-HOST)')
    .action(outcomes.action(async (host: string, o: Opts) => {
      const { k8sValuesCommand } = await import('../../ops/runners/commands.js');
      return await k8sValuesCommand(host, o);
    }));
}

export function formatStatus(report: StatusReport): string {
  const rows = report.hosts.map((h) => [h.host, h.state, h.runnerId !== undefined ? `#${h.runnerId}` : '', h.online === undefined ? '' : h.online ? 'online' : 'offline', h.contactedAt ?? '', [...h.drift, h.detail ?? ''].filter(Boolean).join('; ')]);
  for (const o of report.orphans) rows.push([o.description, 'orphan', `#${o.id}`, o.online ? 'online' : 'offline', o.contactedAt ?? '', 'in GitLab, on no host (dap runners prune)']);
  return formatTable(['HOST', 'STATE', 'RUNNER', 'GITLAB', 'CONTACTED', 'DETAIL'], rows) + (report.ok ? 'all runners ok\n' : '');
}
