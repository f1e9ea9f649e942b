// The health-check model of `dap doctor`: one result per check, thresholds that turn a measured
// value into pass/warn/fail, and the exit code. Pure: the checks that measure live in src/ops/doctor.

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** what is checked, e.g. "gitlab.token", "mlflow.artifacts" */
  check: string;
  /** where: a URL, host or file */
  target: string;
  result: CheckStatus;
  /** what was seen (a version, a percentage, the error) */
  detail: string;
  /** what to do when it is not a pass */
  hint?: string;
  /** how long the check took */
  ms?: number;
}

export const DISK_WARN_PCT = 80;
export const DISK_FAIL_PCT = 90;
export const TLS_WARN_DAYS = 21;
export const CLOCK_WARN_S = 2;
export const CLOCK_FAIL_S = 30;
/** a runner that has not called GitLab for this long is offline (GitLab itself says 2 h; CI needs minutes) */
export const RUNNER_ONLINE_S = 5 * 60;
/** an unshipped journal older than this is worth a warning */
export const JOURNAL_MAX_AGE_S = 24 * 3600;

/** Used space (disk or inodes) in percent → status. */
export function usageStatus(usedPct: number): CheckStatus {
  return usedPct >= DISK_FAIL_PCT ? 'fail' : usedPct >= DISK_WARN_PCT ? 'warn' : 'pass';
}

export function tlsStatus(daysLeft: number): CheckStatus {
  return daysLeft <= 0 ? 'fail' : daysLeft < TLS_WARN_DAYS ? 'warn' : 'pass';
}

export function clockStatus(skewSeconds: number): CheckStatus {
  const s = Math.abs(skewSeconds);
  return s >= CLOCK_FAIL_S ? 'fail' : s >= CLOCK_WARN_S ? 'warn' : 'pass';
}

/** 0 when nothing failed (and, with strict, nothing warned); 1 otherwise. Skips never fail the run. */
export function doctorExitCode(results: readonly CheckResult[], strict = false): number {
  const bad = results.some((r) => r.result === 'fail' || (strict && r.result === 'warn'));
  return bad ? 1 : 0;
}

export function summarize(results: readonly CheckResult[]): Record<CheckStatus, number> {
  const out: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const r of results) out[r.result]++;
  return out;
}

/** Results of the checks that could not run because an earlier one of the same chain failed. */
export function skippedAfter(failed: CheckResult, rest: ReadonlyArray<{ check: string; target: string }>): CheckResult[] {
  return rest.map((c) => ({ check: c.check, target: c.target, result: 'skip', detail: `not run: ${failed.check} failed` }));
}

/** Rows for a table: check, target, result, detail, hint. */
export function resultRows(results: readonly CheckResult[]): string[][] {
  return results.map((r) => [r.check, r.target, r.result.toUpperCase(), r.detail, r.hint ?? '']);
}
