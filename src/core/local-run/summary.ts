// Reads gitlab-ci-local's console output (run with --no-color) into job results.
// We can't trust its exit code: a failed job in a child pipeline still reports the trigger job
// as PASS and exits 0 (4.73.0, "downstream pipeline is experimental"), so dap decides from the jobs.

export type JobStatus = 'passed' | 'failed' | 'allowed-failure';

export interface JobResult {
  name: string;
  /** the trigger job that started the child pipeline this job ran in, if any */
  trigger?: string;
  status: JobStatus;
  durationMs?: number;
  /** the lines gitlab-ci-local shows under a failed job */
  failureTail: string[];
}

const SUMMARY = /^ (PASS|FAIL|WARN) {1,2}(?:\[(.+?)\] -> )?(.+?)\s*$/;
const FINISHED = /^\t?(?:\[(.+?)\] -> )?(.+?)\s+finished in ([\d.]+) (ms|s|min)\b/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, min: 60_000 };

/** Splits the trailing summary block from the streamed log and returns one result per job. */
export function parseSummary(output: string): JobResult[] {
  const lines = output.split(/\r?\n/);
  const durations = new Map<string, number>();
  const triggers = new Map<string, string>();
  for (const line of lines) {
    const m = FINISHED.exec(line);
    if (!m) continue;
    durations.set(m[2]!.trim(), Number(m[3]) * UNIT_MS[m[4]!]!);
    if (m[1]) triggers.set(m[2]!.trim(), m[1]);
  }
  const results: JobResult[] = [];
  let current: JobResult | undefined;
  for (const line of lines) {
    const m = SUMMARY.exec(line);
    if (m && !isWarningBanner(m[3]!)) {
      const status: JobStatus = m[1] === 'PASS' ? 'passed' : m[1] === 'FAIL' ? 'failed' : 'allowed-failure';
      current = { name: m[3]!, trigger: m[2] ?? triggers.get(m[3]!), status, durationMs: durations.get(m[3]!), failureTail: [] };
      results.push(current);
      continue;
    }
    if (current && line.startsWith('  > ')) current.failureTail.push(line.slice(4));
    else if (line.trim() !== '') current = undefined;
  }
  return dedupe(results);
}

// " WARN  downstream pipeline is experimental…" and friends use the same prefix as job rows.
function isWarningBanner(text: string): boolean {
  return /^(downstream pipeline|Avoid overriding|.*is experimental|.*deprecated)/i.test(text) || text.includes('://');
}

// A failed child job's summary row lacks its "[trigger] ->" prefix (taken from the log lines above);
// should a job be listed twice, its last row wins.
function dedupe(results: JobResult[]): JobResult[] {
  return [...new Map(results.map((r) => [r.name, r])).values()];
}

export function pipelinePassed(results: JobResult[]): boolean {
  return results.length > 0 && results.every((r) => r.status !== 'failed');
}
