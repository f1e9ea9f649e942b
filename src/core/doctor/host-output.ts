// Parsers for what a host prints over SSH: `df -P` / `df -Pi` and `date +%s.%N`. Untrusted text
// in, numbers out; anything unexpected is reported, never guessed.

export interface MountUsage { mount: string; usedPct: number }

/** `df -P [-i] PATH…` output → used percentage per mount (header skipped; "-" for no inodes → 0). */
export function parseDfUsage(output: string): MountUsage[] {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.length < 2 || !/^Filesystem\b/i.test(lines[0]!)) throw new Error(`unexpected df output: ${JSON.stringify(output.slice(0, 120))}`);
  const out: MountUsage[] = [];
  for (const line of lines.slice(1)) {
    const cols = line.split(/\s+/);
    if (cols.length < 6) throw new Error(`unexpected df line: ${JSON.stringify(line.slice(0, 120))}`);
    const pct = cols[4]!;
    const mount = cols.slice(5).join(' ');
    if (pct === '-') { out.push({ mount, usedPct: 0 }); continue; }
    const m = /^(\d{1,3})%$/.exec(pct);
    if (!m) throw new Error(`unexpected df use% ${JSON.stringify(pct)}`);
    out.push({ mount, usedPct: Number(m[1]) });
  }
  return out;
}

/** The fullest mount (the one that decides the status). */
export function fullest(usages: readonly MountUsage[]): MountUsage | undefined {
  return usages.reduce<MountUsage | undefined>((a, b) => (!a || b.usedPct > a.usedPct ? b : a), undefined);
}

/** `date +%s.%N` → epoch milliseconds. */
export function parseEpoch(output: string): number {
  const m = /^(\d{9,11})(?:\.(\d{1,9}))?$/.exec(output.trim());
  if (!m) throw new Error(`unexpected clock output: ${JSON.stringify(output.trim().slice(0, 60))}`);
  return Number(m[1]) * 1000 + Number(`0.${m[2] ?? '0'}`) * 1000;
}

/**
 * Clock skew of a remote host: its time minus ours, corrected for the round trip (the remote read
 * happened, on average, half-way between send and receive).
 */
export function clockSkewSeconds(remoteMs: number, sentMs: number, receivedMs: number): number {
  return (remoteMs - (sentMs + receivedMs) / 2) / 1000;
}
