// Host checks over SSH for every inventory host: free disk and inodes (warn 80 %, fail 90 %), the
// Docker engine answers, and the clock agrees with this machine's. Host keys must already be
// known (known_hosts): the doctor never trusts a key on first use.

import { promises as fs } from 'node:fs';
import { sshExec, type SshTarget } from '../../adapters/ssh/client.js';
import { expandHome, findKeyPair, readText, sshFiles } from '../../adapters/ssh/files.js';
import { knownHostKeys } from '../../core/env/known-hosts.js';
import { clockSkewSeconds, fullest, parseDfUsage, parseEpoch } from '../../core/doctor/host-output.js';
import { clockStatus, usageStatus, type CheckStatus } from '../../core/doctor/model.js';
import type { RunnerHost } from '../../core/runners/inventory.js';

/** What the doctor needs of an inventory host. */
type InventoryHost = Pick<RunnerHost, 'name' | 'address' | 'port' | 'user' | 'identityFile'>;
import { fail, type Chain, type Outcome } from './runner.js';

const DF = 'df -P -l -x tmpfs -x devtmpfs -x overlay -x squashfs -x nsfs';

async function sshTarget(h: InventoryHost, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<SshTarget> {
  const files = sshFiles(env);
  const knownHosts = files.userKnownHosts;
  const pinned = knownHostKeys(await readText(knownHosts), h.address, h.port);
  if (!pinned.length) {
    throw Object.assign(new Error(`the SSH host key of ${h.address}:${h.port} is not in ${knownHosts}`), {
      hint: `verify and record it: ssh -p ${h.port} ${h.user}@${h.address} true`,
    });
  }
  const identity = env.DAP_SSH_IDENTITY ?? (h.identityFile && expandHome(h.identityFile, env));
  const key = await findKeyPair(files, identity);
  return { host: h.address, port: h.port, username: h.user, privateKey: await fs.readFile(key.privateKeyFile), pinned, readyTimeoutMs: timeoutMs };
}

const SSH_HINT = 'is the host up and sshd running? check the address/port in the inventory and your SSH key';

export function hostChain(h: InventoryHost, env: NodeJS.ProcessEnv, timeoutMs: number): Chain {
  const target = `${h.user}@${h.address}:${h.port} (${h.name})`;
  let conn: Promise<SshTarget> | undefined;
  const run = async (command: string) => {
    const t = await (conn ??= sshTarget(h, env, timeoutMs));
    try {
      return await sshExec(t, command);
    } catch (e) {
      throw Object.assign(new Error(`SSH to ${h.address}:${h.port} failed: ${(e as Error).message}`), { hint: (e as { hint?: string }).hint ?? SSH_HINT });
    }
  };
  const usage = async (flag: string, what: string): Promise<Outcome> => {
    const r = await run(flag ? DF.replace('df -P', `df -P${flag}`) : DF);
    if (r.code !== 0 && !r.stdout) return fail(`df failed: ${r.stderr.trim().slice(0, 200)}`);
    const worst = fullest(parseDfUsage(r.stdout));
    if (!worst) return fail('df listed no file system');
    const status: CheckStatus = usageStatus(worst.usedPct);
    return { result: status, detail: `${worst.usedPct}% of ${what} used on ${worst.mount}`, hint: status === 'pass' ? undefined : `free ${what} on ${worst.mount} (docker system prune, old backups, logs)` };
  };
  return [
    {
      check: 'host.ssh', target,
      run: async () => {
        const r = await run('uname -sr');
        return { result: 'pass', detail: r.stdout.trim().slice(0, 80) || 'logged in' };
      },
    },
    { check: 'host.disk', target, independent: true, run: () => usage('', 'disk space') },
    { check: 'host.inodes', target, independent: true, run: () => usage('i', 'inodes') },
    {
      check: 'host.docker', target, independent: true,
      run: async () => {
        const r = await run("docker info --format '{{.ServerVersion}}'");
        return r.code === 0 && r.stdout.trim()
          ? { result: 'pass', detail: `Docker ${r.stdout.trim()}` }
          : fail(`docker info failed: ${(r.stderr || r.stdout).trim().split('\n')[0]?.slice(0, 200)}`, 'start the engine (systemctl start docker) and check the user may use it');
      },
    },
    {
      check: 'host.clock', target, independent: true,
      run: async () => {
        await run('true'); // connect first, so the timed call measures only the command
        const sent = Date.now();
        const r = await run('date +%s.%N');
        const skew = clockSkewSeconds(parseEpoch(r.stdout), sent, Date.now());
        const status = clockStatus(skew);
        return { result: status, detail: `${skew >= 0 ? '+' : ''}${skew.toFixed(2)} s against this machine`, hint: status === 'pass' ? undefined : 'run NTP on the host (systemd-timesyncd or chrony): skewed clocks break TLS, tokens and metric timestamps' };
      },
    },
  ];
}
