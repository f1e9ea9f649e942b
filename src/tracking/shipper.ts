import fs from 'node:fs';
import path from 'node:path';
import type { ArtifactEvent, JournalEvent, MetricPoint, OpenEvent } from './events.js';
import { readJournal } from './journal.js';
import { readCursor, writeCursor, type CursorFile, type CursorTarget } from './cursor.js';
import { tryLock, type Lock } from './lock.js';
import { RejectedError, type RunRef, type TrackingSink } from './sink.js';

// Ships one journal to one sink, in journal order, from the cursor on. The cursor moves only after
// the sink acknowledged everything before it; a crash in between re-sends a batch whose points are
// exact duplicates (same key, value, step, timestamp), which MLflow drops. One shipper per journal
// at a time (lock file); a second one is told the journal is busy.

export interface ShipCounts { metrics: number; params: number; tags: number; artifacts: number; statuses: number }

export interface ShipProgress { journal: string; offset: number; size: number }

export interface ShipperOptions {
  /** points per acknowledged step (the sink chunks them into requests) */
  batchPoints?: number;
  lockStaleMs?: number;
  warn?: (line: string) => void;
  onProgress?: (p: ShipProgress) => void;
  /** log-batch requests in flight at once (default 4) */
  parallelRequests?: number;
}

/** MLflow's log-batch limit of metrics per request */
const CHUNK = 1000;

async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (next < items.length && failed === undefined) {
      const item = items[next++]!;
      try { await fn(item); } catch (e) { failed ??= e; }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
}

export class JournalShipper {
  private cursor: CursorFile;
  private target: CursorTarget;
  private run: RunRef | undefined;
  private open: OpenEvent | undefined;
  readonly rejected: string[] = [];
  readonly missing: string[] = [];

  private constructor(readonly file: string, private readonly sink: TrackingSink, private readonly lock: Lock, private readonly opts: ShipperOptions) {
    this.cursor = readCursor(file);
    this.target = this.cursor.targets[sink.uri] ?? { offset: 0 };
  }

  /** null when another shipper holds the journal */
  static acquire(file: string, sink: TrackingSink, opts: ShipperOptions = {}): JournalShipper | null {
    const lock = tryLock(file, opts.lockStaleMs);
    return lock ? new JournalShipper(file, sink, lock, opts) : null;
  }

  get runId(): string | undefined { return this.run?.runId; }
  get identity(): string | undefined { return this.open?.identity; }

  /** Finds or creates the run (needs the journal's open event). */
  async resolveRun(): Promise<RunRef> {
    if (this.run) return this.run;
    this.open ??= readOpenEvent(this.file);
    // always asked (by identity), not taken from the cursor: the run may have been deleted, and
    // uploads need its artifact root
    this.run = await this.sink.resolveRun(this.open);
    if (this.run.runId !== this.target.runId) {
      this.target = { ...this.target, runId: this.run.runId, experimentId: this.run.experimentId };
      this.saveCursor();
    }
    return this.run;
  }

  /** Ships every complete event now in the journal. */
  async ship(): Promise<ShipCounts> {
    const counts: ShipCounts = { metrics: 0, params: 0, tags: 0, artifacts: 0, statuses: 0 };
    const run = await this.resolveRun();
    const batchPoints = this.opts.batchPoints ?? 10_000;
    const size = fs.statSync(this.file).size;
    for (;;) {
      const read = readJournal(this.file, this.target.offset);
      if (read.entries.length === 0) {
        if (read.end > this.target.offset) this.advance(read.end); // only blank or corrupt lines
        break;
      }
      if (read.badLines) this.opts.warn?.(`${this.file}: skipped ${read.badLines} corrupt journal line(s)`);
      let metrics: MetricPoint[] = [];
      let params: Record<string, string> = {};
      let tags: Record<string, string> = {};
      let pendingEnd = this.target.offset;
      const flush = async () => {
        // params and tags apart from points: a refused param must not take points down with it
        if (Object.keys(params).length || Object.keys(tags).length) {
          await this.guard(() => this.sink.logBatch(run, { metrics: [], params, tags }), `params/tags before byte ${pendingEnd}`);
          counts.params += Object.keys(params).length;
          counts.tags += Object.keys(tags).length;
        }
        if (metrics.length) {
          // chunks in parallel: order does not matter to MLflow (points carry step and timestamp)
          const chunks: MetricPoint[][] = [];
          for (let i = 0; i < metrics.length; i += CHUNK) chunks.push(metrics.slice(i, i + CHUNK));
          await inParallel(chunks, this.opts.parallelRequests ?? 4, (chunk) =>
            this.guard(() => this.sink.logBatch(run, { metrics: chunk, params: {}, tags: {} }), `metrics before byte ${pendingEnd}`));
          counts.metrics += metrics.length;
        }
        metrics = [];
        params = {};
        tags = {};
        if (pendingEnd > this.target.offset) this.advance(pendingEnd);
        this.opts.onProgress?.({ journal: this.file, offset: this.target.offset, size });
      };
      for (const { event, end } of read.entries) {
        if (event.t === 'metrics') metrics.push(...event.points);
        else if (event.t === 'params') Object.assign(params, event.params);
        else if (event.t === 'tags') Object.assign(tags, event.tags);
        else if (event.t === 'artifact' || event.t === 'status') {
          await flush(); // keep journal order: an artifact or the final status after the points before it
          if (event.t === 'artifact') counts.artifacts += await this.uploadArtifact(run, event);
          else {
            await this.guard(() => this.sink.setStatus(run, event.status, event.time), `status ${event.status}`);
            counts.statuses++;
          }
        }
        pendingEnd = end;
        if (metrics.length >= batchPoints) await flush();
      }
      await flush();
      this.lock.touch();
    }
    return counts;
  }

  /** Shows other hosts this shipper is alive (long runs with the server down ship nothing). */
  touch(): void {
    this.lock.touch();
  }

  close(): void {
    this.lock.release();
  }

  private async uploadArtifact(run: RunRef, ev: ArtifactEvent): Promise<number> {
    const local = resolveArtifact(this.file, this.open!, ev.path);
    if (!local) {
      this.missing.push(ev.path);
      this.opts.warn?.(`artifact ${ev.path} not found next to ${this.file}; skipped`);
      return 0;
    }
    let n = 0;
    for (const [file, dest] of filesUnder(local, ev.dest)) {
      await this.guard(() => this.sink.uploadFile(run, file, dest), `artifact ${dest}`);
      n++;
    }
    return n;
  }

  private async guard(fn: () => Promise<void>, what: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await fn();
        return;
      } catch (e) {
        // two shippers inserting the same param at once: MLflow's check-then-insert races and one
        // gets a unique-key violation as a 400; again, it finds the param there and accepts it
        if (e instanceof RejectedError && RACE.test(e.message) && attempt < 4) {
          await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
          continue;
        }
        return this.reject(e, what);
      }
    }
  }

  /** Invalid data is reported and passed over; anything else (server down) stops the shipping. */
  private reject(e: unknown, what: string): void {
    if (!(e instanceof RejectedError)) throw e;
    this.rejected.push(`${what}: ${e.message}`);
    this.opts.warn?.(`${path.basename(this.file)}: MLflow rejected ${what}: ${e.message}`);
  }

  private advance(offset: number): void {
    this.target = { ...this.target, offset };
    this.saveCursor();
  }

  private saveCursor(): void {
    // re-read so a cursor for another destination written meanwhile is kept
    const fresh = readCursor(this.file);
    fresh.targets[this.sink.uri] = this.target;
    this.cursor = fresh;
    writeCursor(this.file, this.cursor);
  }
}

const RACE = /UniqueViolation|duplicate key|IntegrityError|UNIQUE constraint/i;

export function readOpenEvent(file: string): OpenEvent {
  const first = readJournal(file, 0, 64 * 1024).entries[0]?.event as JournalEvent | undefined;
  if (!first || first.t !== 'open') throw new RejectedError(`${file} is not a dap journal (it does not start with an open event)`);
  return first;
}

/**
 * Where a journal's relative artifact paths live: the job's directory while the journal is where the
 * job wrote it; next to its `.dap/` once it was moved (job artifacts unpacked elsewhere).
 */
function resolveArtifact(journalFile: string, open: OpenEvent, p: string): string | undefined {
  if (path.isAbsolute(p)) return fs.existsSync(p) ? p : undefined;
  const here = path.resolve(journalFile);
  const parts = here.split(path.sep);
  const dapAt = parts.lastIndexOf('.dap');
  const nextToDap = dapAt > 0 ? path.join(parts.slice(0, dapAt).join(path.sep) || path.sep, p) : undefined;
  const inWorkdir = path.join(open.workdir, p);
  const atHome = open.journalPath !== undefined && path.resolve(open.journalPath) === here;
  const candidates = atHome ? [inWorkdir, nextToDap] : [nextToDap, inWorkdir];
  return candidates.find((c): c is string => c !== undefined && fs.existsSync(c));
}

/** [local file, artifact path] for a file or every file of a directory tree. */
function filesUnder(local: string, dest: string): Array<[string, string]> {
  const st = fs.statSync(local);
  if (!st.isDirectory()) return [[local, dest]];
  const out: Array<[string, string]> = [];
  const walk = (dir: string, rel: string) => {
    for (const ent of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const abs = path.join(dir, ent.name);
      const r = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.isDirectory()) walk(abs, r);
      else if (ent.isFile()) out.push([abs, dest ? `${dest}/${r}` : r]);
    }
  };
  walk(local, '');
  return out;
}
