// Reading and writing the user's config file ($XDG_CONFIG_HOME/dap/config.toml, mode 0600), and
// the one helper every command goes through: the environment with the file's values filled in.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { envWithConfig, parseConfig, stringifyConfig, type DapConfig } from '../core/config.js';
import { ProblemsError } from '../errors.js';

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(env.HOME ?? os.homedir(), '.config');
  return path.join(base, 'dap', 'config.toml');
}

/** The config file's content, undefined when there is none; a broken file is a ProblemsError (file:line:col). */
export function readConfig(file: string): DapConfig | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const parsed = parseConfig(text, file);
  if (parsed.problems.length) throw new ProblemsError(parsed.problems, `${file} is not a valid dap config: fix it or run \`dap login\` again`);
  return parsed.config;
}

/** Written whole or not at all, readable by its owner only (it holds tokens). */
export async function writeConfig(file: string, config: DapConfig): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, stringifyConfig(config), { mode: 0o600 });
  fs.chmodSync(file, 0o600); // an existing file keeps its old mode otherwise
}

/** The environment a command should use: variables set in `env` win over the config file. */
export function resolveEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const config = readConfig(configPath(env));
  return config ? envWithConfig(env, config) : env;
}

/** Commands whose children (training scripts, local CI jobs) inherit our environment. */
const SPAWNING = new Set(['track', 'run']);

/**
 * Fills process.env from the config file (called once by the CLI before a command runs). The
 * commands that run user code get no GitLab token from the file: their children do not need it.
 * (They keep the MLflow credentials: a tracked script logs to the same run through MLFLOW_RUN_ID.)
 */
export function applyUserConfig(command: string, env: NodeJS.ProcessEnv = process.env): void {
  const resolved = resolveEnv(env);
  if (SPAWNING.has(command) && resolved.GITLAB_TOKEN !== env.GITLAB_TOKEN) delete resolved.GITLAB_TOKEN;
  for (const [k, v] of Object.entries(resolved)) if (env[k] !== v && v !== undefined) env[k] = v;
}
