import fs from 'node:fs';
import path from 'node:path';
import { ExitCode, UnavailableError, UsageError } from '../errors.js';
import type { JournalEvent } from '../tracking/events.js';
import type { RunStatus } from '../core/mlflow/values.js';
import { JournalWriter, journalFileName, metricsEvents } from '../tracking/journal.js';
import { cursorPath } from '../tracking/cursor.js';
import { jobContext, type JobContext, type TrackFlags } from '../tracking/job-context.js';
import { MetricCollector, WarningCounter } from '../tracking/metric-collector.js';
import { readMetricFile } from '../tracking/metric-files.js';
import { FileTail } from '../tracking/metrics-tail.js';
import { expandArtifacts } from '../tracking/artifact-paths.js';
import { JournalShipper, describeLost } from '../tracking/shipper.js';
import { jobPathProblem } from '../core/spec/job-paths.js';
import { realPathInside } from '../tracking/job-tree.js';
import type { TrackingSink } from '../tracking/sink.js';
import { mlflowSink } from '../tracking/mlflow-sink.js';
import { exitCodeOf, runInherited, type ChildOutcome } from '../tracking/child.js';
import { acquireSlot } from './local-slots.js';

// `dap track -- cmd…`: journal first, then ship. The command's exit code is dap's exit code; the
// command starts at once whatever the tracking server does (run creation and shipping go on beside
// it, from the journal), and a server that never answers costs one timeout in all.

export interface TrackOptions extends TrackFlags {
  command: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  stderr?: NodeJS.WritableStream;
  /** for tests: a sink instead of the one for the tracking URI */
  sink?: TrackingSink;
  /** ms between live shipments while the command runs */
  shipIntervalMs?: number;
  /** ms the command waits at most for a first answer of the server (to export MLFLOW_RUN_ID); default 2000 */
  startWaitMs?: number;
  /** ms it waits at most for the run of a server that answers (a slow one); default 10000 */
  runWaitMs?: number;
}

const START_WAIT_MS = 2000;
const RUN_WAIT_MS = 10_000;

export interface TrackResult {
  exitCode: number;
  status: RunStatus;
  identity: string;
  journal: string;
  runId?: string;
  /** everything in the journal reached the tracking server */
  shipped: boolean;
  skipped: { malformed: number; key: number; value: number; range: number };
}

export async function trackOp(opts: TrackOptions): Promise<TrackResult> {
  if (opts.command.length === 0) throw new UsageError('dap track needs a command', 'usage: dap track [options] -- COMMAND [ARGS…]');
  const env = opts.env ?? process.env;
  const stderr = opts.stderr ?? process.stderr;
  const say = (line: string) => stderr.write(line.endsWith('\n') ? line : line + '\n');
  const ctx = jobContext(env, opts, opts.cwd ?? process.cwd(), opts.command);
  checkJobPaths(ctx);
  // a capped experiment in `dap run --local` waits here for one of its max_parallel slots
  const slot = await acquireSlot(env, ctx.spec);
  try {
    return await trackRun(ctx, opts, env, say);
  } finally {
    slot?.release();
  }
}

async function trackRun(ctx: JobContext, opts: TrackOptions, env: NodeJS.ProcessEnv, say: (line: string) => void): Promise<TrackResult> {
  const fresh = !fs.existsSync(path.join(ctx.journalDir, journalFileName(ctx.identity)));
  const writer = JournalWriter.open(ctx.journalDir, ctx.identity);
  const journal = (events: JournalEvent[]) => writer.append(events);
  journal([
    {
      t: 'open', v: 1, identity: ctx.identity, experiment: ctx.experiment, spec: ctx.spec, runKey: ctx.runKey,
      runIndex: ctx.runIndex, runName: ctx.runName, time: Date.now(), workdir: ctx.workdir, journalPath: writer.file, primary: ctx.primary, goal: ctx.goal,
    },
    { t: 'params', params: ctx.params },
    { t: 'tags', tags: ctx.tags },
  ]);

  const live = await startLiveShipping(ctx, opts, say, writer.file);
  if (!live.runId && ctx.requireTracking) {
    writer.close();
    live.close();
    // the command never ran: leave no journal that would later ship an empty run
    if (fresh) for (const f of [writer.file, cursorPath(writer.file)]) fs.rmSync(f, { force: true });
    throw new UnavailableError(`tracking is required (--require-tracking / DAP_TRACKING_REQUIRED) but ${live.why ?? 'no tracking server is configured'}`, 'check MLFLOW_TRACKING_URI and that the server is up; the command was not run');
  }

  const warnings = new WarningCounter(say);
  const collector = new MetricCollector(warnings);
  let outcome: ChildOutcome;
  try {
    fs.mkdirSync(path.dirname(ctx.metricsFile), { recursive: true });
    const metricsWhere = path.relative(ctx.workdir, ctx.metricsFile) || ctx.metricsFile;
    let lineNo = 0;
    const tail = new FileTail(ctx.metricsFile, (lines) => {
      const points = lines.flatMap((l) => collector.fromJsonLine(l, `${metricsWhere}:${++lineNo}`));
      journal(metricsEvents(points));
    }, (why) => say(`dap track: warning: cannot read the metrics stream ${metricsWhere}: ${why}; its points are not tracked`));
    tail.skipExisting();
    tail.start();

    const childEnv: NodeJS.ProcessEnv = { ...env, DAP_METRICS_FILE: ctx.metricsFile };
    if (ctx.trackingUri) childEnv.MLFLOW_TRACKING_URI = ctx.trackingUri;
    if (live.runId) {
      childEnv.MLFLOW_RUN_ID = live.runId;
      childEnv.MLFLOW_EXPERIMENT_NAME = ctx.experiment;
    } else {
      delete childEnv.MLFLOW_RUN_ID;
    }
    const { done } = runInherited(opts.command, { cwd: ctx.workdir, env: childEnv });
    live.startTimer();
    outcome = await done;
    tail.stop();

    journal(endOfRunMetrics(ctx, collector, say));
    journal(artifactEvents(ctx, say));
  } catch (e) {
    // dap's own failure after the journal was opened: close the run as failed, leave no lock behind
    try {
      writer.append([{ t: 'status', status: 'FAILED', time: Date.now(), exitCode: 70 }]);
      writer.close();
    } finally {
      live.close();
    }
    throw e;
  }
  const status = statusOf(outcome);
  const exitCode = exitCodeOf(outcome);
  journal([{ t: 'status', status, time: Date.now(), exitCode, ...(outcome.signal ? { signal: outcome.signal } : {}) }]);
  writer.close();

  const shipped = await live.finish();
  const summary = warnings.summary();
  if (summary) say(`dap track: ${summary} (see warnings above)`);
  if (!shipped && ctx.trackingUri) {
    say(`dap track: the run is kept in ${writer.file}; ship it later with \`dap sync ${path.relative(ctx.workdir, ctx.journalDir) || '.'}\``);
  }
  const finalCode = exitCode === 0 && ctx.requireTracking && !shipped ? ExitCode.unavailable : exitCode;
  return { exitCode: finalCode, status, identity: ctx.identity, journal: writer.file, runId: live.runId, shipped, skipped: { ...warnings.counts } };
}

/** Declared artifact and metric files must name paths inside the job's directory (as in a spec). */
function checkJobPaths(ctx: JobContext): void {
  const lists: Array<[string, string[]]> = [['--artifact / DAP_ARTIFACTS (artifacts.paths)', ctx.artifacts], ['--metric-file / DAP_METRIC_FILES (metrics.files)', ctx.metricFiles]];
  for (const [what, list] of lists) {
    for (const p of list) {
      const problem = jobPathProblem(p);
      if (problem) throw new UsageError(`${what}: ${problem}`, 'name files relative to the job\'s directory, without "..", "~" or a leading "/"; the command was not run');
    }
  }
}

function statusOf(o: ChildOutcome): RunStatus {
  if (o.signal) return 'KILLED';
  if (o.forwarded && o.code !== 0) return 'KILLED';
  return o.code === 0 ? 'FINISHED' : 'FAILED';
}

/** Read at the end when the spec declares no metrics.files: what a training script writes by habit. */
export const DEFAULT_METRICS_FILE = 'metrics.json';

/** Declared end-of-run files: a missing, unreadable, non-regular or outside file is a warning, never the end of the run. */
function endOfRunMetrics(ctx: JobContext, collector: MetricCollector, say: (l: string) => void): JournalEvent[] {
  const events: JournalEvent[] = [];
  const declared = ctx.metricFiles.length > 0;
  const files = declared ? ctx.metricFiles : fs.existsSync(path.resolve(ctx.workdir, DEFAULT_METRICS_FILE)) ? [DEFAULT_METRICS_FILE] : [];
  for (const f of files) {
    const abs = path.resolve(ctx.workdir, f);
    if (!fs.existsSync(abs)) {
      say(`dap track: warning: declared metrics file ${f} was not written`);
      continue;
    }
    const why = !realPathInside(ctx.workdir, abs) ? 'it resolves outside the job\'s directory (a symlink pointing out)'
      : !fs.statSync(abs).isFile() ? 'it is not a regular file (a directory, a pipe or a device)' : undefined;
    if (why) {
      say(`dap track: warning: declared metrics file ${f} was not read: ${why}`);
      continue;
    }
    try {
      const points = readMetricFile(abs, collector);
      events.push(...metricsEvents(points));
    } catch (e) {
      say(`dap track: warning: declared metrics file ${f} could not be read: ${(e as Error).message}`);
    }
  }
  return events;
}

function artifactEvents(ctx: JobContext, say: (l: string) => void): JournalEvent[] {
  const { matches, unmatched, outside } = expandArtifacts(ctx.artifacts, ctx.workdir);
  for (const u of unmatched) say(`dap track: warning: declared artifact ${u} matched nothing`);
  for (const o of outside) say(`dap track: warning: artifact ${o} resolves outside the job's directory (a symlink pointing out); not uploaded`);
  return matches.map((m) => ({ t: 'artifact', path: m.path, dest: m.dest }));
}

interface LiveShipping {
  runId?: string;
  why?: string;
  startTimer(): void;
  /** final shipment; true when the whole journal is on the server */
  finish(): Promise<boolean>;
  close(): void;
}

/**
 * Resolves the run and ships beside the command. The command waits for the run at most
 * `startWaitMs` (so MLFLOW_RUN_ID can be exported when the server is quick), never longer; a server
 * that never answers trips the client's breaker once and is not asked again by this process.
 */
async function startLiveShipping(ctx: JobContext, opts: TrackOptions, say: (l: string) => void, file: string): Promise<LiveShipping> {
  const none = (why?: string): LiveShipping => ({ why, startTimer() {}, finish: async () => false, close() {} });
  if (!ctx.trackingUri && !opts.sink) {
    say(`dap track: no MLFLOW_TRACKING_URI: the run stays in the journal ${ctx.journalDir} (see \`dap runs\`)`);
    return none();
  }
  const env = opts.env ?? process.env;
  // few, short retries (the command is waiting), 30 s per request unless MLFLOW_HTTP_REQUEST_TIMEOUT says otherwise
  const retry = { maxRetries: 2, backoffFactor: 0.3, backoffJitter: 0.15, ...(env.MLFLOW_HTTP_REQUEST_TIMEOUT ? {} : { timeoutMs: 30_000 }) };
  const sink = opts.sink ?? mlflowSink(ctx.trackingUri!, { env: opts.env, retry });
  const shipper = JournalShipper.acquire(file, sink, { warn: (l) => say(`dap track: warning: ${l}`), root: ctx.workdir });
  if (!shipper) {
    say(`dap track: another dap process is shipping ${file}; this run is journaled and shipped by it or by \`dap sync\``);
    return none('another process holds the journal');
  }
  let down: string | undefined;
  let runId: string | undefined;
  let lastFailure = 0;
  const first = (async () => {
    try {
      runId = (await shipper.resolveRun()).runId;
      await shipper.ship();
      say(`dap track: MLflow run ${runId} (experiment ${ctx.experiment}) at ${sink.uri}`);
    } catch (e) {
      down = (e as Error).message;
      lastFailure = Date.now();
      say(`dap track: warning: ${down}; continuing, the run is journaled in ${ctx.journalDir}`);
    }
  })();
  let busy: Promise<void> = first;
  let settled = false;
  void first.then(() => { settled = true; });
  // a server that says nothing gets 2 s, one that answers (busy, creating the run) up to 10 s
  const waitFor = (ms: number) => {
    let t: NodeJS.Timeout | undefined;
    return Promise.race([first, new Promise<void>((r) => { t = setTimeout(r, ms); })]).finally(() => clearTimeout(t));
  };
  if (ctx.requireTracking) await first;
  else {
    const startWait = opts.startWaitMs ?? START_WAIT_MS;
    const runWait = opts.runWaitMs ?? RUN_WAIT_MS;
    await waitFor(startWait);
    if (!settled && sink.answered?.()) await waitFor(Math.max(0, runWait - startWait));
    if (!settled) {
      say(sink.answered?.() === false
        ? `dap track: MLflow has not answered within ${startWait / 1000} s; the command starts now without MLFLOW_RUN_ID (the run is journaled and shipped beside it)`
        : `dap track: the MLflow run is not ready after ${runWait / 1000} s; the command starts now without MLFLOW_RUN_ID (the run is journaled and shipped beside it)`);
    }
  }
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    shipper.touch();
    if (!settled || Date.now() - lastFailure < 15_000) return;
    busy = busy.then(async () => {
      try {
        if (!runId) runId = (await shipper.resolveRun()).runId;
        await shipper.ship();
      } catch {
        lastFailure = Date.now();
      }
    });
  };
  return {
    get runId() { return runId; },
    get why() { return down; },
    startTimer() {
      timer = setInterval(tick, opts.shipIntervalMs ?? 2000);
      timer.unref();
    },
    async finish() {
      if (timer) clearInterval(timer);
      await busy; // at most the first attempt's one timeout
      try {
        if (!runId) runId = (await shipper.resolveRun()).runId;
        await shipper.ship();
        const lost = describeLost(shipper);
        if (lost) say(`dap track: not everything reached MLflow (${lost}); see the warnings above`);
        return true;
      } catch (e) {
        // the same failure as at the start was already reported
        if ((e as Error).message !== down) say(`dap track: warning: could not ship to MLflow: ${(e as Error).message}`);
        return false;
      } finally {
        shipper.close();
      }
    },
    close() {
      if (timer) clearInterval(timer);
      shipper.close();
    },
  };
}
