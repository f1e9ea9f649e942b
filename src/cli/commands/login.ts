import type { Command } from 'commander';
import type { Outcomes } from '../outcome.js';
import { UsageError } from '../../errors.js';

interface LoginFlags {
  gitlabUrl?: string;
  gitlabProject?: string;
  withToken?: boolean;
  mlflowUri?: string;
  mlflowUsername?: string;
  mlflowPasswordStdin?: boolean;
  mlflowTokenStdin?: boolean;
  status?: boolean;
  json?: boolean;
}

async function readStdinLines(): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
}

export function register(program: Command, outcomes: Outcomes): void {
  program
    .command('login')
    .description('save GitLab and MLflow credentials for dap (checked against the live services first)')
    .option('--gitlab-url <url>', 'GitLab base URL, e.g. https://gitlab.example.com')
    .option('--gitlab-project <path>', 'default GitLab project (group/name) for dap doctor and dap sync --pipeline')
    .option('--with-token', 'read the GitLab token from stdin (first line)')
    .option('--mlflow-uri <uri>', 'MLflow tracking URI, e.g. https://mlflow.example.com')
    .option('--mlflow-username <name>', 'MLflow basic-auth user')
    .option('--mlflow-password-stdin', "read the MLflow user's password from stdin (the line after the GitLab token)")
    .option('--mlflow-token-stdin', 'read an MLflow bearer token from stdin instead of a password')
    .option('--status', 'show what is configured (secrets masked) and which environment variables override it')
    .option('--json', 'with --status: print JSON')
    .addHelpText('after', `
Secrets are never taken on the command line (they would show in process lists): they come from
stdin (--with-token, --mlflow-password-stdin) or, in a terminal, from a prompt that does not echo.
The file is $XDG_CONFIG_HOME/dap/config.toml (default ~/.config/dap/config.toml), mode 0600;
GITLAB_URL, GITLAB_TOKEN, GITLAB_PROJECT, MLFLOW_TRACKING_URI, MLFLOW_TRACKING_USERNAME,
MLFLOW_TRACKING_PASSWORD and MLFLOW_TRACKING_TOKEN in the environment override it.

Examples:
  dap login                                   # asks for everything
  echo "$TOKEN" | dap login --gitlab-url https://gitlab.example.com --with-token
  dap login --status
`)
    .action(outcomes.action(async (o: LoginFlags) => {
      const { loginOp, loginStatus } = await import('../../ops/login.js');
      if (o.status) {
        const s = loginStatus();
        if (o.json) process.stdout.write(JSON.stringify(s, null, 2) + '\n');
        else if (!s.exists) process.stdout.write(`not logged in: ${s.file} does not exist (run dap login)\n`);
        else {
          process.stdout.write(`config: ${s.file} (mode ${s.mode})\n`);
          const w = Math.max(...s.entries.map((e) => e.key.length));
          for (const e of s.entries) process.stdout.write(`  ${e.key.padEnd(w)}  ${e.value}${e.overriddenBy ? `  (overridden by $${e.overriddenBy})` : ''}\n`);
        }
        return;
      }
      if (o.mlflowPasswordStdin && o.mlflowTokenStdin) throw new UsageError('--mlflow-password-stdin and --mlflow-token-stdin exclude each other');
      const input = { gitlabUrl: o.gitlabUrl, gitlabProject: o.gitlabProject, mlflowUri: o.mlflowUri, mlflowUsername: o.mlflowUsername } as Parameters<typeof loginOp>[0];
      const fromStdin = o.withToken || o.mlflowPasswordStdin || o.mlflowTokenStdin;
      if (fromStdin) {
        const lines = await readStdinLines();
        const want = [o.withToken && 'gitlab', (o.mlflowPasswordStdin || o.mlflowTokenStdin) && 'mlflow'].filter(Boolean);
        if (lines.length < want.length) throw new UsageError(`stdin has ${lines.length} line(s), expected ${want.length} (${want.join(' then ')} secret)`);
        if (o.withToken) input.gitlabToken = lines.shift();
        if (o.mlflowPasswordStdin) input.mlflowPassword = lines.shift();
        if (o.mlflowTokenStdin) input.mlflowToken = lines.shift();
      } else if (process.stdin.isTTY) {
        await askMissing(input, !o.gitlabUrl && !o.mlflowUri);
      } else if (!o.gitlabUrl && !o.mlflowUri) {
        throw new UsageError('not a terminal: nothing to ask', 'pass --gitlab-url … --with-token and/or --mlflow-uri … (see dap login --help)');
      } else if (o.gitlabUrl || o.mlflowUsername) {
        throw new UsageError('the secret must come from stdin when not asked interactively', 'add --with-token (GitLab) and/or --mlflow-password-stdin');
      }
      const r = await loginOp(input);
      for (const line of r.checked) process.stderr.write(`✓ ${line}\n`);
      process.stdout.write(`saved to ${r.file} (mode 0600)\n`);
    }));
}

/** Asks for what the flags did not give: everything when no flag was given, else only the secrets. */
async function askMissing(input: import('../../ops/login.js').LoginInput, everything: boolean): Promise<void> {
  const { terminalPrompter } = await import('../prompt.js');
  const { loginStatus } = await import('../../ops/login.js');
  const known = Object.fromEntries(loginStatus().entries.map((e) => [e.key, e.value]));
  const p = terminalPrompter();
  try {
    if (everything) input.gitlabUrl = (await p.ask('GitLab URL (blank to skip)', { default: known['gitlab.url'] })) || undefined;
    if (input.gitlabUrl) {
      input.gitlabToken = await p.ask('GitLab token (api or read_api scope)', { secret: true });
      if (everything) input.gitlabProject = (await p.ask('GitLab project, group/name (optional)', { default: known['gitlab.project'] })) || undefined;
    }
    if (everything) input.mlflowUri = (await p.ask('MLflow tracking URI (blank to skip)', { default: known['mlflow.tracking_uri'] })) || undefined;
    if (input.mlflowUri && everything) input.mlflowUsername = (await p.ask('MLflow username (blank: none, or a token next)')) || undefined;
    if (input.mlflowUri && input.mlflowUsername) input.mlflowPassword = await p.ask('MLflow password', { secret: true });
    else if (input.mlflowUri && everything) input.mlflowToken = (await p.ask('MLflow token (blank: none)', { secret: true })) || undefined;
  } finally {
    p.close();
  }
}
