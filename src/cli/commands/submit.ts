import type { Command } from 'commander';
import type { Outcomes } from '../outcome.js';

export function register(program: Command, outcomes: Outcomes): void {
  program
    .command('submit')
    .description('regenerate + validate, commit specs/environments/pipeline together, push, and follow the pipeline')
    .option('-m, --message <text>', 'commit message (default: "dap submit: <experiments>")')
    .option('--no-wait', 'stop after printing the pipeline URL')
    .option('--project <id-or-path>', 'GitLab project (default: from the remote URL, or $DAP_GITLAB_PROJECT)')
    .option('--root <dir>', 'project root (default: the nearest directory upwards holding experiments/ or .git)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
GitLab: GITLAB_URL and DAP_GITLAB_TOKEN (or GITLAB_TOKEN; read_api is enough to follow).
Refuses, committing nothing, when unrelated files are staged, the branch is behind its upstream,
there is no remote, or the remote rejects the push (the commit is undone).
Exit status: the pipeline's result (0 success, 1 failed or canceled); 2 bad usage; 3 GitLab unreachable.`)
    .action(outcomes.action(async (f: { message?: string; wait: boolean; project?: string; root?: string; json?: boolean }) => {
      const { submitOp } = await import('../../ops/submit.js');
      const { resolveRoot } = await import('../../paths.js');
      const root = resolveRoot(f.root);
      const say = f.json ? (l: string) => process.stderr.write(l + '\n') : undefined;
      const result = await submitOp({ root, message: f.message, wait: f.wait, project: f.project, say });
      if (f.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      return result.exitCode;
    }));
}
