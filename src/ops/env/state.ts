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

export function stateDir(): string {
  const base = process.env.XDG_STATE_HOME ?? path.join(process.env.HOME ?? os.homedir(), '.local', 'state');
  return path.join(base, 'dap', 'envs');
}

export async function saveState(s: DevState): Promise<void> {
  await fs.mkdir(stateDir(), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path.join(stateDir(), `${s.name}.json`), JSON.stringify(s, null, 2) + '\n', { mode: 0o600 });
}

export async function loadState(name: string): Promise<DevState | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(stateDir(), `${name}.json`), 'utf8')) as DevState;
  } catch {
    return undefined;
  }
}

export async function removeState(name: string): Promise<void> {
  await fs.rm(path.join(stateDir(), `${name}.json`), { force: true });
}

export async function allStates(): Promise<DevState[]> {
  const files = await fs.readdir(stateDir()).catch(() => [] as string[]);
  const out: DevState[] = [];
  for (const f of files.filter((f) => f.endsWith('.json')).sort()) {
    const s = await loadState(f.slice(0, -5));
    if (s) out.push(s);
  }
  return out;
}
