import { createHmac } from 'node:crypto';

// OpenSSH known_hosts, parsed once: dap's own file (one `dap-NAME keytype base64` line per
// environment alias, keys read from the container through the Docker API, never learned on first
// connect) and the user's ~/.ssh/known_hosts (read only, to verify a remote Docker host).

export interface HostKey { type: string; base64: string }

interface KnownHostsLine {
  /** comma-separated patterns: names, [host]:port, hashed |1|salt|hash */
  hosts: string[];
  key: HostKey;
  /** @cert-authority / @revoked lines are not host keys */
  marker?: string;
}

const KEY_TYPE = /^(ssh-|ecdsa-|sk-)/;
const BASE64 = /^[A-Za-z0-9+/=]+$/;

function parseKey(type: string | undefined, base64: string | undefined): HostKey | undefined {
  return type && base64 && KEY_TYPE.test(type) && BASE64.test(base64) ? { type, base64 } : undefined;
}

/** One known_hosts line; undefined for blanks, comments and lines that are not `hosts type key`. */
function parseLine(raw: string): KnownHostsLine | undefined {
  const line = raw.trim();
  if (!line || line.startsWith('#')) return undefined;
  const fields = line.split(/\s+/);
  const marker = fields[0]!.startsWith('@') ? fields.shift() : undefined;
  const [hosts, type, base64] = fields;
  const key = parseKey(type, base64);
  return hosts && key ? { hosts: hosts.split(','), key, ...(marker ? { marker } : {}) } : undefined;
}

/** `ssh-ed25519 AAAA... comment` (a .pub file) -> key type and base64 blob. */
export function parsePublicKeyLine(line: string): HostKey | undefined {
  const [type, base64] = line.trim().split(/\s+/);
  return parseKey(type, base64);
}

function hostMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  return pattern === name;
}

/** Keys for a name (`host` on port 22, `[host]:port` otherwise, or an alias): plain and hashed entries. */
export function knownHostKeys(text: string, host: string, port = 22): HostKey[] {
  const name = port === 22 ? host : `[${host}]:${port}`;
  const out: HostKey[] = [];
  for (const raw of text.split('\n')) {
    const entry = parseLine(raw);
    if (entry && !entry.marker && entry.hosts.some((h) => hostMatches(h, name))) out.push(entry.key);
  }
  return out;
}

/** The keys pinned for a dap alias. */
export function pinnedKeys(current: string, alias: string): HostKey[] {
  return knownHostKeys(current, alias);
}

/** Drop the alias' line(s), keep every other line as it was. */
export function removeHostKey(current: string, alias: string): string {
  const kept = current.split('\n').filter((l) => l.trim() && !parseLine(l)?.hosts.includes(alias));
  return kept.length ? kept.join('\n') + '\n' : '';
}

/** Replace the alias' line(s), keep every other line. */
export function pinHostKey(current: string, alias: string, key: HostKey): string {
  return `${removeHostKey(current, alias)}${alias} ${key.type} ${key.base64}\n`;
}
