// dap's own known_hosts file: one line per environment alias (`dap-NAME keytype base64`).
// Keys are read from the container through the Docker API, never learned on first connect.

export interface HostKey { type: string; base64: string }

/** `ssh-ed25519 AAAA... comment` -> key type and base64 blob. */
export function parsePublicKeyLine(line: string): HostKey | undefined {
  const [type, base64] = line.trim().split(/\s+/);
  if (!type || !base64 || !/^(ssh-|ecdsa-|sk-)/.test(type) || !/^[A-Za-z0-9+/=]+$/.test(base64)) return undefined;
  return { type, base64 };
}

/** Replace the alias' line(s), keep every other line. */
export function pinHostKey(current: string, alias: string, key: HostKey): string {
  const kept = current.split('\n').filter((l) => l.trim() && l.split(/\s+/)[0] !== alias);
  return [...kept, `${alias} ${key.type} ${key.base64}`].join('\n') + '\n';
}

export function removeHostKey(current: string, alias: string): string {
  const kept = current.split('\n').filter((l) => l.trim() && l.split(/\s+/)[0] !== alias);
  return kept.length ? kept.join('\n') + '\n' : '';
}

export function pinnedKeys(current: string, alias: string): HostKey[] {
  const out: HostKey[] = [];
  for (const l of current.split('\n')) {
    const [host, type, base64] = l.trim().split(/\s+/);
    if (!host || !type || !base64 || l.trim().startsWith('#')) continue;
    if (host.split(',').includes(alias)) out.push({ type, base64 });
  }
  return out;
}
