// A minimal reading of infrastructure/runners.yaml for the doctor: the hosts to reach over SSH and
// the runner names GitLab should know. Lenient on purpose (the inventory's own parser, with
// file:line:col errors, belongs to `dap runners`); what it cannot read it reports, never guesses.

import { parseDocument } from 'yaml';

export interface InventoryHost { name: string; address: string; port: number; user: string }
export interface DoctorInventory { hosts: InventoryHost[]; runners: string[]; problems: string[] }

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : undefined);

export function readDoctorInventory(text: string, file: string): DoctorInventory {
  const doc = parseDocument(text);
  const problems = doc.errors.map((e) => `${file}:${e.linePos?.[0]?.line ?? 1}:${e.linePos?.[0]?.col ?? 1}: ${e.message.split('\n')[0]}`);
  const root = (problems.length ? {} : doc.toJS()) as Record<string, unknown> | null;
  const out: DoctorInventory = { hosts: [], runners: [], problems };
  if (!root || typeof root !== 'object') return out;
  const hosts = Array.isArray(root.hosts) ? root.hosts : [];
  hosts.forEach((h: unknown, i) => {
    const o = (h ?? {}) as Record<string, unknown>;
    const name = str(o.name);
    const address = str(o.address) ?? str(o.host) ?? str(o.ansible_host);
    const port = Number(o.port ?? o.ssh_port ?? 22);
    if (!name || !address || !Number.isInteger(port) || port < 1 || port > 65535) {
      out.problems.push(`${file}: hosts[${i}] needs name, address and a valid port`);
      return;
    }
    out.hosts.push({ name, address, port, user: str(o.user) ?? str(o.ssh_user) ?? 'root' });
  });
  const runners = Array.isArray(root.runners) ? root.runners : [];
  for (const r of runners) {
    const o = (r ?? {}) as Record<string, unknown>;
    const name = typeof r === 'string' ? r : str(o.description) ?? str(o.name);
    if (name) out.runners.push(name);
  }
  return out;
}
