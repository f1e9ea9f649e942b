import { promises as fs } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import writeFileAtomic from 'write-file-atomic';

// What `dap env up` remembers about a running dev container, per user (the ssh alias dap-NAME is
// per user too): ${XDG_STATE_HOME:-~/.local/state}/dap/envs/NAME.json, mode 600 (it holds the
// Jupyter token).

export interface DevState {
  name: string;
  alias: string;
  container: string;
  image: string;
  /** the engine: undefined for the local one, ssh://user@host for a remote one */
  dockerHost?: string;
  /** ssh jump host when the engine is remote (ports are published on its loopback) */
  proxyJump?: string;
  hostIp: string;
  sshPort: number;
  jupyterPort?: number;
  jupyterToken?: string;
  user: string;
  identityFile: string;
  workspace: string;
  startedAt: string;
}

/** The directory of the per-user records of running dev containers (not a project's .dap/, not the container's state volume). */
export function devStatesDir(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_STATE_HOME || path.join(env.HOME || os.homedir(), '.local', 'state');
  return path.join(base, 'dap', 'envs');
}

export async function saveDevState(env: NodeJS.ProcessEnv, s: DevState): Promise<void> {
  const dir = devStatesDir(env);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(path.join(dir, `${s.name}.json`), JSON.stringify(s, null, 2) + '\n', { mode: 0o600 });
}

export async function loadDevState(env: NodeJS.ProcessEnv, name: string): Promise<DevState | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(devStatesDir(env), `${name}.json`), 'utf8')) as DevState;
  } catch {
    return undefined;
  }
}

export async function removeDevState(env: NodeJS.ProcessEnv, name: string): Promise<void> {
  await fs.rm(path.join(devStatesDir(env), `${name}.json`), { force: true });
}

export async function allDevStates(env: NodeJS.ProcessEnv): Promise<DevState[]> {
  const files = await fs.readdir(devStatesDir(env)).catch(() => [] as string[]);
  const out: DevState[] = [];
  for (const f of files.filter((f) => f.endsWith('.json')).sort()) {
    const s = await loadDevState(env, f.slice(0, -5));
    if (s) out.push(s);
  }
  return out;
}
