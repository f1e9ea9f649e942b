import fs from 'node:fs';
import path from 'node:path';
import type { ArtifactEvent, JournalEvent, JournalPoint, OpenEvent } from './events.js';
import { lineNumberAt, readJournal } from './journal.js';
import { describePoint, pointProblem } from './journal-checks.js';
import { LIMITS, paramProblem, tagProblem } from '../adapters/mlflow/index.js';
import { journalTree } from './job-tree.js';
import { filesUnder, resolveArtifact } from './artifact-sources.js';
import { readCursor, writeCursor, type CursorFile, type CursorTarget } from './cursor.js';
import { tryLock, type Lock } from './lock.js';
import { mapLimited } from '../concurrency.js';
import { RejectedError, type Batch, type RunRef, type TrackingSink } from './sink.js';

// Ships one journal to one sink, in journal order, from the cursor on. The cursor moves only after
// the sink acknowledged everything before it; a crash in between re-sends a batch whose points are
// exact duplicates (same key, value, step, timestamp), which MLflow drops. One shipper per journal
// at a time (lock file); a second one is told the journal is busy.
//
// The journal is untrusted: every item is checked against MLflow's limits before it is sent, an
// artifact is uploaded only from inside the journal's own tree, a batch MLflow still refuses is
// halved until exactly the refused items are known, and every item that did not land is counted.

export interface ShipCounts {
  metrics: number; params: number; tags: number; artifacts: number; statuses: number;
  /** items (points, params, tags, files, events) that will never land, by reason */
  lost: Record<string, number>;
}

export function lostTotal(c: Pick<ShipCounts, 'lost'>): number {
  return Object.values(c.lost).reduce((a, b) => a + b, 0);
}

/** "3 lost: 2 point(s) MLflow refused, 1 artifact(s) outside the journal's tree" */
export function describeLost(c: Pick<ShipCounts, 'lost'>): string | undefined {
  const total = lostTotal(c);
  if (total === 0) return undefined;
  return `${total} lost: ${Object.entries(c.lost).map(([why, n]) => `${n} ${why}`).join(', ')}`;
}

export interface ShipProgress { journal: string; offset: number; size: number }

export interface ShipperOptions {
  /** points per acknowledged step (the sink chunks them into requests) */
  batchPoints?: number;
  lockStaleMs?: number;
  warn?: (line: string) => void;
  onProgress?: (p: ShipProgress) => void;
  /** log-batch requests in flight at once (default 4) */
  parallelRequests?: number;
  /** the tree artifact sources must lie in (default: journalTree(file)) */
  root?: string;
  /** nobody writes the journal any more: an unterminated last line is a cut, reported and counted */
  final?: boolean;
}

/** reports of single items per journal before they are only counted */
const MAX_REPORTS = 10;

export class JournalShipper {
  private cursor: CursorFile;
  private target: CursorTarget;
  private run: RunRef | undefined;
  private open: OpenEvent | undefined;
  readonly rejected: string[] = [];
  readonly missing: string[] = [];
  /** everything lost over this shipper's life (ship() counts only its own call) */
  readonly lost: Record<string, number> = {};
  private counts: ShipCounts = newCounts();
  private lineMemo: { offset: number; line: number } | undefined;
  private reports = 0;

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

  /** Ships every complete event now in the journal; the counts are those of this call. */
  async ship(): Promise<ShipCounts> {
    const counts = (this.counts = newCounts());
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
      let metrics: JournalPoint[] = [];
      let params: Record<string, string> = {};
      let tags: Record<string, string> = {};
      let pendingEnd = this.target.offset;
      const flush = async () => {
        // params and tags apart from points: a refused param must not take points down with it
        if (Object.keys(params).length || Object.keys(tags).length) {
          const sent = await this.sendBatch(run, { metrics: [], params, tags }, `params/tags before byte ${pendingEnd}`);
          counts.params += Object.keys(sent.params).length;
          counts.tags += Object.keys(sent.tags).length;
        }
        if (metrics.length) {
          // chunks in parallel: order does not matter to MLflow (points carry step and timestamp)
          const chunks: JournalPoint[][] = [];
          const chunk = LIMITS.metricsPerBatch; // one request each
          for (let i = 0; i < metrics.length; i += chunk) chunks.push(metrics.slice(i, i + chunk));
          await mapLimited(chunks, this.opts.parallelRequests ?? 4, async (chunk) => {
            // awaited first: `counts.metrics += await …` would read the count before the await and
            // let parallel chunks overwrite each other's additions
            const sent = await this.sendBatch(run, { metrics: chunk, params: {}, tags: {} }, `metrics before byte ${pendingEnd}`);
            counts.metrics += sent.metrics.length;
          });
        }
        metrics = [];
        params = {};
        tags = {};
        if (pendingEnd > this.target.offset) this.advance(pendingEnd);
        this.opts.onProgress?.({ journal: this.file, offset: this.target.offset, size });
      };
      for (const { event, start, end } of read.entries) {
        if (event.t === 'metrics') {
          for (const p of Array.isArray(event.points) ? event.points : []) {
            const problem = pointProblem(p);
            if (problem) this.lose('point(s) MLflow cannot store', `line ${this.lineAt(start)}: metric ${describePoint(p)}: ${problem}`);
            else metrics.push(p);
          }
        } else if (event.t === 'params' || event.t === 'tags') {
          const kind = event.t === 'params' ? 'param' : 'tag';
          const into = event.t === 'params' ? params : tags;
          const given = (event.t === 'params' ? event.params : event.tags) ?? {};
          for (const [k, v] of Object.entries(typeof given === 'object' ? given : {})) {
            const problem = kind === 'param' ? paramProblem(k, v) : tagProblem(k, v);
            if (problem) this.lose(`${kind}(s) MLflow cannot store`, `line ${this.lineAt(start)}: ${kind} ${JSON.stringify(k.slice(0, 100))}: ${problem}`);
            else into[k] = v as string;
          }
        } else if (event.t === 'artifact' || event.t === 'status') {
          await flush(); // keep journal order: an artifact or the final status after the points before it
          if (event.t === 'artifact') counts.artifacts += await this.uploadArtifact(run, event, this.lineAt(start));
          else if (await this.guard(() => this.sink.setStatus(run, event.status, event.time), `status ${event.status}`)) counts.statuses++;
          else this.count('status event(s) MLflow refused');
        }
        pendingEnd = end;
        if (metrics.length >= batchPoints) await flush();
      }
      await flush();
      this.lock.touch();
    }
    if (this.opts.final) this.reportCut();
    return counts;
  }

  /** Shows other hosts this shipper is alive (long runs with the server down ship nothing). */
  touch(): void {
    this.lock.touch();
  }

  close(): void {
    this.lock.release();
  }

  private async uploadArtifact(run: RunRef, ev: ArtifactEvent, line: number): Promise<number> {
    const root = this.opts.root ?? journalTree(this.file);
    const found = resolveArtifact(this.file, this.open!, ev.path, root);
    if (found.outside) {
      this.lose('artifact(s) outside the journal\'s tree', `line ${line}: artifact source ${JSON.stringify(ev.path)} resolves outside ${root}; refused`);
      return 0;
    }
    if (!found.local) {
      this.missing.push(ev.path);
      this.opts.warn?.(`artifact ${ev.path} not found next to ${this.file}; skipped`);
      return 0;
    }
    let n = 0;
    for (const [file, dest] of filesUnder(found.local, ev.dest, root)) {
      if (await this.guard(() => this.sink.uploadFile(run, file, dest), `artifact ${dest}`)) n++;
      else this.count('file(s) MLflow refused');
    }
    return n;
  }

  /**
   * Sends a batch; when MLflow refuses it for its data, halves it until the refused items are known
   * and every other item has landed. Returns what landed.
   */
  private async sendBatch(run: RunRef, batch: Batch, what: string): Promise<Batch> {
    const refusal = await this.attempt(() => this.sink.logBatch(run, batch));
    if (!refusal) return batch;
    const items = batchSize(batch);
    // only a refusal of the data can be narrowed down; a deleted or finished run refuses everything
    const narrowable = !WHOLE_RUN_REFUSALS.has(refusal.code ?? '');
    if (items > 1 && narrowable) {
      const [a, b] = splitBatch(batch);
      const [sa, sb] = [await this.sendBatch(run, a, what), await this.sendBatch(run, b, what)];
      return { metrics: [...sa.metrics, ...sb.metrics], params: { ...sa.params, ...sb.params }, tags: { ...sa.tags, ...sb.tags } };
    }
    const only = items === 1 ? describeBatchItem(batch) : `${items} item(s)`;
    this.rejected.push(`${what}: ${only}: ${refusal.message}`);
    for (const [kind, n] of [['point(s)', batch.metrics.length], ['param(s)', Object.keys(batch.params).length], ['tag(s)', Object.keys(batch.tags).length]] as const) {
      if (n) this.count(`${kind} MLflow refused`, n);
    }
    this.report(`MLflow refused ${what}: ${only}: ${refusal.message}`);
    return { metrics: [], params: {}, tags: {} };
  }

  /** true when done; false when MLflow refused it (reported and counted by the caller) */
  private async guard(fn: () => Promise<void>, what: string): Promise<boolean> {
    const refusal = await this.attempt(fn);
    if (!refusal) return true;
    this.rejected.push(`${what}: ${refusal.message}`);
    this.report(`MLflow refused ${what}: ${refusal.message}`);
    return false;
  }

  /** Runs one request: undefined when it went through, the refusal when MLflow refused the data; anything else (server down) throws. */
  private async attempt(fn: () => Promise<void>): Promise<RejectedError | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        await fn();
        return undefined;
      } catch (e) {
        if (!(e instanceof RejectedError)) throw e;
        // two shippers inserting the same param at once: MLflow's check-then-insert races and one
        // gets a unique-key violation as a 400; again, it finds the param there and accepts it
        if (RACE.test(e.message) && attempt < 4) {
          await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
          continue;
        }
        return e;
      }
    }
  }

  private lose(why: string, detail: string): void {
    this.count(why);
    this.report(detail);
  }

  private count(why: string, n = 1): void {
    this.counts.lost[why] = (this.counts.lost[why] ?? 0) + n;
    this.lost[why] = (this.lost[why] ?? 0) + n;
  }

  private report(line: string): void {
    this.reports++;
    if (this.reports <= MAX_REPORTS) this.opts.warn?.(`${path.basename(this.file)}: ${line}`);
    else if (this.reports === MAX_REPORTS + 1) this.opts.warn?.(`${path.basename(this.file)}: more problems; counting them silently`);
  }

  private lineAt(offset: number): number {
    const line = lineNumberAt(this.file, offset, this.lineMemo);
    this.lineMemo = { offset, line };
    return line;
  }

  /** A last line without its newline once nobody writes any more: the journal was cut (crash, full disk). */
  private reportCut(): void {
    const size = fs.statSync(this.file).size;
    const rest = size - this.target.offset;
    if (rest <= 0) return;
    const tail = readJournal(this.file, this.target.offset);
    if (tail.entries.length > 0) return; // complete events left: not shipped yet (another pass ships them)
    const fd = fs.openSync(this.file, 'r');
    const buf = Buffer.alloc(Math.min(rest, 4096));
    try { fs.readSync(fd, buf, 0, buf.length, this.target.offset); } finally { fs.closeSync(fd); }
    if (buf.toString('utf8').trim() === '') return;
    this.lose('cut-off journal line(s)', `line ${this.lineAt(this.target.offset)}: the journal ends in the middle of a line (${rest} bytes without a newline: cut off by a crash or a full disk); every complete event before it was shipped`);
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

/** refusals of the run itself, not of an item: halving the batch would only repeat them */
const WHOLE_RUN_REFUSALS = new Set(['RESOURCE_DOES_NOT_EXIST', 'INVALID_STATE', 'PERMISSION_DENIED']);

const RACE = /UniqueViolation|duplicate key|IntegrityError|UNIQUE constraint/i;

export function readOpenEvent(file: string): OpenEvent {
  const first = readJournal(file, 0, 64 * 1024).entries[0]?.event as JournalEvent | undefined;
  if (!first || first.t !== 'open') throw new RejectedError(`${file} is not a dap journal (it does not start with an open event)`);
  return first;
}

function newCounts(): ShipCounts {
  return { metrics: 0, params: 0, tags: 0, artifacts: 0, statuses: 0, lost: {} };
}

function batchSize(b: Batch): number {
  return b.metrics.length + Object.keys(b.params).length + Object.keys(b.tags).length;
}

function splitBatch(b: Batch): [Batch, Batch] {
  const items: Array<['m', JournalPoint] | ['p' | 't', [string, string]]> = [
    ...b.metrics.map((m) => ['m', m] as ['m', JournalPoint]),
    ...Object.entries(b.params).map((e) => ['p', e] as ['p', [string, string]]),
    ...Object.entries(b.tags).map((e) => ['t', e] as ['t', [string, string]]),
  ];
  const half = Math.ceil(items.length / 2);
  const build = (part: typeof items): Batch => {
    const out: Batch = { metrics: [], params: {}, tags: {} };
    for (const [kind, item] of part) {
      if (kind === 'm') out.metrics.push(item);
      else (kind === 'p' ? out.params : out.tags)[item[0]] = item[1];
    }
    return out;
  };
  return [build(items.slice(0, half)), build(items.slice(half))];
}

function describeBatchItem(b: Batch): string {
  if (b.metrics.length) return `metric ${describePoint(b.metrics[0])}`;
  const [k] = Object.keys(b.params).length ? Object.entries(b.params)[0]! : Object.entries(b.tags)[0]!;
  return `${Object.keys(b.params).length ? 'param' : 'tag'} ${JSON.stringify(k)}`;
}
