import { dapKnownHostsFile, readText, sshConfigFile, writeTextAtomic } from '../../adapters/ssh/files.js';
import { mergeSshConfig } from '../../core/env/ssh-config.js';
import type { SshHostEntry } from '../../core/env/ssh-config.js';
import { allStates } from './state.js';

// `dap env ssh-config`: the managed block in ~/.ssh/config, one Host per dev container dap
// started. Written atomically, only when it changes; the rest of the file is left as it was.

export async function writeSshConfig(): Promise<{ file: string; changed: boolean; entries: SshHostEntry[] }> {
  const entries: SshHostEntry[] = (await allStates()).map((s) => ({
    alias: s.alias, hostName: s.hostIp, port: s.sshPort, user: s.user, identityFile: s.identityFile,
    knownHostsFile: dapKnownHostsFile(), proxyJump: s.proxyJump,
  }));
  const file = sshConfigFile();
  const current = await readText(file);
  const next = mergeSshConfig(current, entries);
  if (next !== current) await writeTextAtomic(file, next);
  return { file, changed: next !== current, entries };
}
