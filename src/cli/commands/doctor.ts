import type { Command } from 'commander';
import type { Outcomes } from '../outcome.js';
import { UsageError } from '../../errors.js';

export function register(program: Command, outcomes: Outcomes): void {
  program
    .command('doctor')
    .description('check that GitLab, the runners, MLflow (with its database and artifact store), the hosts and TLS are healthy')
    .option('--json', 'print the results as JSON')
    .option('--project <id-or-path>', 'GitLab project to check (default: $GITLAB_PROJECT, the login config, or $CI_PROJECT_ID)')
    .option('--inventory <file>', 'runner/host inventory (default: infrastructure/runners.yaml found upward, or $DAP_INVENTORY)')
    .option('--only <groups>', 'comma-separated: gitlab, runners, mlflow, hosts, tls, local')
    .option('--timeout <seconds>', 'per check', '20')
    .option('--strict', 'warnings fail too (exit 1)')
    .addHelpText('after', '\nExit status: 0 when no check failed (skipped checks are not configured), 1 when one did, 2 for a bad command line.\n')
    .action(outcomes.action(async (o: { json?: boolean; project?: string; inventory?: string; only?: string; timeout: string; strict?: boolean }) => {
      const { doctorOp, GROUPS } = await import('../../ops/doctor/index.js');
      const seconds = Number(o.timeout);
      if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) throw new UsageError(`--timeout ${o.timeout} is not a number of seconds (0 < s <= 600)`);
      const only = o.only?.split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = only?.filter((g) => !(GROUPS as readonly string[]).includes(g));
      if (unknown?.length) throw new UsageError(`--only: unknown group ${unknown.join(', ')}`, `use ${GROUPS.join(', ')}`);
      const result = await doctorOp({ project: o.project, inventory: o.inventory, only: only as never, timeoutMs: seconds * 1000, strict: o.strict });
      if (o.json) {
        process.stdout.write(JSON.stringify({ results: result.results, summary: result.summary, exitCode: result.exitCode }, null, 2) + '\n');
      } else {
        const { formatTable } = await import('../format/table.js');
        const { resultRows } = await import('../../core/doctor/model.js');
        process.stdout.write(formatTable(['check', 'target', 'result', { header: 'detail', maxWidth: 90 }, 'hint'], resultRows(result.results)));
        const s = result.summary;
        process.stdout.write(`\n${s.pass} passed, ${s.warn} warned, ${s.fail} failed, ${s.skip} skipped\n`);
      }
      return result.exitCode;
    }));
}
