import fs from 'node:fs';
import path from 'node:path';
import { ExitCode, UnavailableError, UsageError } from '../errors.js';
import type { JournalEvent, RunStatus } from '../tracking/events.js';
import { JournalWriter, journalFileName } from '../tracking/journal.js';
import { cursorPath } from '../tracking/cursor.js';
import { jobContext, type JobContext, type TrackFlags } from '../tracking/job-context.js';
import { MetricCollector, WarningCounter } from '../tracking/metric-collector.js';
import { readMetricFile } from '../tracking/metric-files.js';
import { FileTail } from '../tracking/metrics-tail.js';
import { expandArtifacts } from '../tracking/artifact-paths.js';
import { JournalShipper } from '../tracking/shipper.js';
import type { TrackingSink } from '../tracking/sink.js';
import { createTrackingSink } from '../tracking/sink-factory.js';
import { exitCodeOf, runInherited, type ChildOutcome } from '../tracking/child.js';

// `dap track -- cmd…`: journal first, then ship. The command's exit code is dap's exit code; a
// tracking server that is down costs the run nothing but a delay (unless tracking is required).

export interface TrackOptions extends TrackFlags {
  command: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  stderr?: NodeJS.WritableStream;
  /** for tests: a sink instead of the one for the tracking URI */
  sink?: TrackingSink;
  /** ms between live shipments while the command runs */
  shipIntervalMs?: number;
}

export interface TrackResult {
  exitCode: number;
  status: RunStatus;
  identity: string;
  journal: string;
  runId?: string;
  /** everything in the journal reached the tracking server */
  shipped: boolean;
  skipped: { malformed: number; key: number; value: number };
}

export async function trackOp(opts: TrackOptions): Promise<TrackResult> {
  if (opts.command.length === 0) throw new UsageError('dap track needs a command', 'usage: dap track [options] -- COMMAND [ARGS…]');
  const env = opts.env ?? process.env;
  const stderr = opts.stderr ?? process.stderr;
  const say = (line: string) => stderr.write(line.endsWith('\n') ? line : line + '\n');
  const ctx = jobContext(env, opts, opts.cwd ?? process.cwd(), opts.command);

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
  fs.mkdirSync(path.dirname(ctx.metricsFile), { recursive: true });
  const metricsWhere = path.relative(ctx.workdir, ctx.metricsFile) || ctx.metricsFile;
  let lineNo = 0;
  const tail = new FileTail(ctx.metricsFile, (lines) => {
    const points = lines.flatMap((l) => collector.fromJsonLine(l, `${metricsWhere}:${++lineNo}`));
    // events of bounded size, so a burst of output never makes one huge journal line
    const events: JournalEvent[] = [];
    for (let i = 0; i < points.length; i += 5000) events.push({ t: 'metrics', points: points.slice(i, i + 5000) });
    journal(events);
  });
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
  const outcome = await done;
  tail.stop();

  journal(endOfRunMetrics(ctx, collector, say));
  journal(artifactEvents(ctx, say));
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

function statusOf(o: ChildOutcome): RunStatus {
  if (o.signal) return 'KILLED';
  if (o.forwarded && o.code !== 0) return 'KILLED';
  return o.code === 0 ? 'FINISHED' : 'FAILED';
}

function endOfRunMetrics(ctx: JobContext, collector: MetricCollector, say: (l: string) => void): JournalEvent[] {
  const events: JournalEvent[] = [];
  for (const f of ctx.metricFiles) {
    const abs = path.resolve(ctx.workdir, f);
    if (!fs.existsSync(abs)) {
      say(`dap track: warning: declared metrics file ${f} was not written`);
      continue;
    }
    const points = readMetricFile(abs, collector);
    if (points.length) events.push({ t: 'metrics', points });
  }
  return events;
}

function artifactEvents(ctx: JobContext, say: (l: string) => void): JournalEvent[] {
  const { matches, unmatched } = expandArtifacts(ctx.artifacts, ctx.workdir);
  for (const u of unmatched) say(`dap track: warning: declared artifact ${u} matched nothing`);
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

/** Resolves the run up front (so MLFLOW_RUN_ID can be exported) and ships while the command runs. */
async function startLiveShipping(ctx: JobContext, opts: TrackOptions, say: (l: string) => void, file: string): Promise<LiveShipping> {
  const none = (why?: string): LiveShipping => ({ why, startTimer() {}, finish: async () => false, close() {} });
  if (!ctx.trackingUri && !opts.sink) {
    say(`dap track: no MLFLOW_TRACKING_URI: the run stays in the journal ${ctx.journalDir} (see \`dap runs\`)`);
    return none();
  }
  const sink = opts.sink ?? createTrackingSink(ctx.trackingUri!, { env: opts.env, maxRetries: 2, baseDelayMs: 300, timeoutMs: 30_000 });
  const shipper = JournalShipper.acquire(file, sink, { warn: say });
  if (!shipper) {
    say(`dap track: another dap process is shipping ${file}; this run is journaled and shipped by it or by \`dap sync\``);
    return none('another process holds the journal');
  }
  let down: string | undefined;
  let runId: string | undefined;
  try {
    runId = (await shipper.resolveRun()).runId;
    await shipper.ship();
    say(`dap track: MLflow run ${runId} (experiment ${ctx.experiment}) at ${sink.uri}`);
  } catch (e) {
    down = (e as Error).message;
    say(`dap track: warning: ${down}; continuing, the run is journaled in ${ctx.journalDir}`);
  }
  let timer: NodeJS.Timeout | undefined;
  let busy: Promise<void> = Promise.resolve();
  let lastFailure = down ? Date.now() : 0;
  const tick = () => {
    shipper.touch();
    if (Date.now() - lastFailure < 15_000) return;
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
    why: down,
    startTimer() {
      timer = setInterval(tick, opts.shipIntervalMs ?? 2000);
      timer.unref();
    },
    async finish() {
      if (timer) clearInterval(timer);
      await busy;
      try {
        await shipper.ship();
        if (shipper.rejected.length) say(`dap track: MLflow rejected ${shipper.rejected.length} batch(es); see warnings above`);
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
