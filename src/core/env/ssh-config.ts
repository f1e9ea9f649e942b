// The block dap manages in ~/.ssh/config: between two marker lines, one `Host dap-NAME` per
// running environment. Everything outside the markers is kept byte for byte.

export const BEGIN_MARK = '# >>> dap environments (managed by `dap env ssh-config`; edits inside are overwritten) >>>';
export const END_MARK = '# <<< dap environments <<<';

export interface SshHostEntry {
  alias: string;
  hostName: string;
  port: number;
  user: string;
  identityFile: string;
  knownHostsFile: string;
  /** `user@host[:port]` when the engine (and the published ports) are on another machine */
  proxyJump?: string;
}

export function renderHostBlock(entries: readonly SshHostEntry[]): string {
  const lines = [BEGIN_MARK];
  for (const e of [...entries].sort((a, b) => (a.alias < b.alias ? -1 : 1))) {
    lines.push(
      `Host ${e.alias}`,
      `  HostName ${e.hostName}`,
      `  Port ${e.port}`,
      `  User ${e.user}`,
      `  IdentityFile ${quote(e.identityFile)}`,
      `  IdentitiesOnly yes`,
      `  UserKnownHostsFile ${quote(e.knownHostsFile)}`,
      // the key is pinned under the alias, so a new port after down/up needs no new entry
      `  HostKeyAlias ${e.alias}`,
      `  StrictHostKeyChecking yes`,
      ...(e.proxyJump ? [`  ProxyJump ${e.proxyJump}`] : []),
    );
  }
  lines.push(END_MARK);
  return lines.join('\n') + '\n';
}

/**
 * Replace (or append) the managed block in an ssh config text. Idempotent: applying the same
 * entries twice gives the same text. With no entries the block is removed.
 */
export function mergeSshConfig(current: string, entries: readonly SshHostEntry[]): string {
  const block = entries.length ? renderHostBlock(entries) : '';
  const start = current.indexOf(BEGIN_MARK);
  const endAt = current.indexOf(END_MARK, start < 0 ? 0 : start);
  if (start >= 0 && endAt >= 0) {
    let after = endAt + END_MARK.length;
    if (current[after] === '\n') after++;
    // drop the blank separator line dap added when it put the block first
    if (!block && start === 0 && current[after] === '\n') after++;
    return current.slice(0, start) + block + current.slice(after);
  }
  if (!block) return current;
  // ssh uses the first value it finds per option, and `Host *` sections usually come last:
  // put our block first so a user's trailing `Host *` cannot override it
  return current.length ? `${block}\n${current}` : block;
}

/** Entries already in the managed block (so one environment can be updated without the others). */
export function parseManagedEntries(current: string): SshHostEntry[] {
  const start = current.indexOf(BEGIN_MARK);
  const end = current.indexOf(END_MARK);
  if (start < 0 || end < start) return [];
  const out: SshHostEntry[] = [];
  let cur: Partial<SshHostEntry> | undefined;
  for (const raw of current.slice(start + BEGIN_MARK.length, end).split('\n')) {
    const m = /^\s*(\S+)\s+(.+?)\s*$/.exec(raw);
    if (!m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    const v = unquote(value);
    if (key === 'Host') { cur = { alias: v }; out.push(cur as SshHostEntry); continue; }
    if (!cur) continue;
    if (key === 'HostName') cur.hostName = v;
    else if (key === 'Port') cur.port = Number(v);
    else if (key === 'User') cur.user = v;
    else if (key === 'IdentityFile') cur.identityFile = v;
    else if (key === 'UserKnownHostsFile') cur.knownHostsFile = v;
    else if (key === 'ProxyJump') cur.proxyJump = v;
  }
  return out;
}

function quote(p: string): string {
  return /\s/.test(p) ? `"${p}"` : p;
}
function unquote(v: string): string {
  return v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}
