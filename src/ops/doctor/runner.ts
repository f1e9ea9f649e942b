// Runs the doctor's checks: chains in parallel (p-limit), the checks of one chain in order, each
// under its own timeout so one dead service never holds up the rest. A failing check skips the
// ones after it in its chain that need it (e.g. no metric round trip when MLflow is unreachable).

import pLimit from 'p-limit';
import { skippedAfter, type CheckResult, type CheckStatus } from '../../core/doctor/model.js';

export interface Outcome { result: CheckStatus; detail: string; hint?: string }

export interface Check {
  check: string;
  target: string;
  /** when it fails, the later checks of the chain still run (default: they are skipped) */
  independent?: boolean;
  run(signal: AbortSignal): Promise<Outcome | Outcome[]>;
}

/** Checks that depend on each other, run in order (e.g. GitLab: reachable → token → project). */
export type Chain = Check[];

export interface RunOptions {
  timeoutMs: number;
  concurrency?: number;
  onResult?: (r: CheckResult) => void;
}

export const pass = (detail: string): Outcome => ({ result: 'pass', detail });
export const warn = (detail: string, hint?: string): Outcome => ({ result: 'warn', detail, hint });
export const fail = (detail: string, hint?: string): Outcome => ({ result: 'fail', detail, hint });
export const skip = (detail: string, hint?: string): Outcome => ({ result: 'skip', detail, hint });

/** What an exception in a check means for the table: its message, and its hint when it has one. */
export function failure(e: unknown): Outcome {
  const err = e as { message?: string; hint?: string };
  return fail(String(err?.message ?? e).split('\n')[0]!, err?.hint);
}

/** ECONNREFUSED, ENOTFOUND… out of fetch's "fetch failed" (the code sits in its cause, or in the cause's errors). */
export function networkCode(e: unknown): string {
  let cur: unknown = e;
  let message = String((e as Error)?.message ?? e);
  for (let i = 0; i < 4 && cur; i++) {
    const o = cur as { code?: unknown; errors?: unknown[]; cause?: unknown; message?: unknown };
    if (typeof o.message === 'string' && o.message) message = o.message;
    if (typeof o.code === 'string') return o.code;
    const inner = o.errors?.find((x) => typeof (x as { code?: unknown }).code === 'string') as { code: string } | undefined;
    if (inner) return inner.code;
    cur = o.cause;
  }
  return message;
}

async function runOne(c: Check, timeoutMs: number): Promise<CheckResult> {
  const ctrl = new AbortController();
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => {
      ctrl.abort(new DOMException(`no answer within ${timeoutMs / 1000} s`, 'TimeoutError'));
      resolve(fail(`no answer within ${timeoutMs / 1000} s`, 'the service hangs or a firewall drops the traffic; raise --timeout if it is just slow'));
    }, timeoutMs);
  });
  const outcome = await Promise.race([c.run(ctrl.signal).catch(failure), timeout]).finally(() => clearTimeout(timer));
  // a check that reports several targets (every host, every runner) yields one row per outcome
  const list = Array.isArray(outcome) ? outcome : [outcome];
  const worst = list.find((o) => o.result === 'fail') ?? list[0] ?? pass('nothing to check');
  return { check: c.check, target: c.target, ...worst, ...(list.length > 1 ? { detail: list.map((o) => o.detail).join('; ') } : {}), ms: Date.now() - started };
}

export async function runChains(chains: readonly Chain[], opts: RunOptions): Promise<CheckResult[]> {
  const limit = pLimit(opts.concurrency ?? 6);
  const perChain = await Promise.all(
    chains.map((chain) =>
      limit(async () => {
        const out: CheckResult[] = [];
        for (let i = 0; i < chain.length; i++) {
          const r = await runOne(chain[i]!, opts.timeoutMs);
          out.push(r);
          opts.onResult?.(r);
          if (r.result === 'fail' && !chain[i]!.independent) {
            const skipped = skippedAfter(r, chain.slice(i + 1));
            skipped.forEach((s) => opts.onResult?.(s));
            out.push(...skipped);
            break;
          }
        }
        return out;
      }),
    ),
  );
  return perChain.flat();
}
