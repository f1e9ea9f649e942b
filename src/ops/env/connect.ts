import { DapError } from '../../errors.js';
import { sshFiles } from '../../adapters/ssh/files.js';
import type { SshFiles } from '../../adapters/ssh/files.js';
import { loadDevState } from './state.js';
import type { DevState } from './state.js';

// `dap env connect NAME`: how to reach a running dev container.

export interface ConnectInfo {
  name: string;
  alias: string;
  /** with the managed ~/.ssh/config block */
  ssh: string;
  /** without it: every option spelled out */
  sshDirect: string;
  vscode: string;
  jupyter?: string;
  sshPort: number;
  user: string;
}

export function connectFromState(s: DevState, files: SshFiles): ConnectInfo {
  const direct = [
    'ssh', '-p', String(s.sshPort), '-i', s.identityFile, '-o', 'IdentitiesOnly=yes',
    '-o', `UserKnownHostsFile=${files.dapKnownHosts}`, '-o', `HostKeyAlias=${s.alias}`, '-o', 'StrictHostKeyChecking=yes',
    ...(s.proxyJump ? ['-J', s.proxyJump] : []), `${s.user}@${s.hostIp}`,
  ];
  return {
    name: s.name,
    alias: s.alias,
    ssh: `ssh ${s.alias}`,
    sshDirect: direct.map((a) => (/[\s"']/.test(a) ? `'${a}'` : a)).join(' '),
    vscode: `vscode://vscode-remote/ssh-remote+${s.alias}${s.workspace}`,
    jupyter: s.jupyterPort && s.jupyterToken && !s.proxyJump ? `http://127.0.0.1:${s.jupyterPort}/lab?token=${s.jupyterToken}` : undefined,
    sshPort: s.sshPort,
    user: s.user,
  };
}

export async function connectInfo(name: string, env: NodeJS.ProcessEnv): Promise<ConnectInfo> {
  const s = await loadDevState(env, name);
  if (!s) throw new DapError(`environment ${name} is not up`, { hint: `start it with \`dap env up ${name}\`` });
  return connectFromState(s, sshFiles(env));
}

export function formatConnect(c: ConnectInfo): string {
  return [
    `ssh:      ${c.ssh}`,
    `          (without ~/.ssh/config: ${c.sshDirect})`,
    `VS Code:  ${c.vscode}`,
    ...(c.jupyter ? [`Jupyter:  ${c.jupyter}`] : []),
    '',
  ].join('\n');
}
