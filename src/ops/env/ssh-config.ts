import { readText, sshFiles, writeTextAtomic } from '../../adapters/ssh/files.js';
import { mergeSshConfig } from '../../core/env/ssh-config.js';
import type { SshHostEntry } from '../../core/env/ssh-config.js';
import { allDevStates } from './state.js';

// `dap env ssh-config`: the managed block in ~/.ssh/config, one Host per dev container dap
// started. Written atomically, only when it changes; the rest of the file is left as it was.

export async function writeSshConfig(env: NodeJS.ProcessEnv): Promise<{ file: string; changed: boolean; entries: SshHostEntry[] }> {
  const files = sshFiles(env);
  const entries: SshHostEntry[] = (await allDevStates(env)).map((s) => ({
    alias: s.alias, hostName: s.hostIp, port: s.sshPort, user: s.user, identityFile: s.identityFile,
    knownHostsFile: files.dapKnownHosts, proxyJump: s.proxyJump,
  }));
  const file = files.config;
  const current = await readText(file);
  const next = mergeSshConfig(current, entries);
  if (next !== current) await writeTextAtomic(file, next);
  return { file, changed: next !== current, entries };
}
