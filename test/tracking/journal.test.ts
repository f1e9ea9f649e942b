import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { JournalWriter, POINTS_PER_EVENT, journalFileName, metricsEvents, readJournal, readWholeJournal } from '../../src/tracking/journal.js';
import { readCursor, writeCursor } from '../../src/tracking/cursor.js';
import { isStale, lockPath, tryLock } from '../../src/tracking/lock.js';
import { JournalShipper } from '../../src/tracking/shipper.js';
import type { Batch, RunRef, TrackingSink } from '../../src/tracking/sink.js';
import type { OpenEvent } from '../../src/tracking/events.js';
import type { RunStatus } from '../../src/core/mlflow/values.js';
import { tmpDir } from './helpers.js';

const open = (identity: string, workdir: string): OpenEvent => ({ t: 'open', v: 1, identity, experiment: 'e', runName: 'r', time: 1, workdir });

/** Records what reaches it; fails on demand, like a server that goes away mid-sync. */
class RecordingSink implements TrackingSink {
  readonly uri = 'memory://test';
  batches: Batch[] = [];
  statuses: RunStatus[] = [];
  failAfter = Infinity;
  async resolveRun(): Promise<RunRef> { return { runId: 'run1', experimentId: '0' }; }
  async logBatch(_r: RunRef, b: Batch): Promise<void> {
    if (this.batches.length >= this.failAfter) throw new Error('connection reset');
    this.batches.push(b);
  }
  uploads: string[] = [];
  async uploadFile(_r: RunRef, local: string, dest: string): Promise<void> { this.uploads.push(`${dest}=${fs.readFileSync(local, 'utf8')}`); }
  async setStatus(_r: RunRef, s: RunStatus): Promise<void> { this.statuses.push(s); }
}

describe('journal', () => {
  it('appends durable lines and reads back only complete ones', () => {
    const dir = tmpDir('journal');
    const w = JournalWriter.open(dir, 'id|pipeline:1|job:a b');
    expect(path.basename(w.file)).toBe(journalFileName('id|pipeline:1|job:a b'));
    expect(path.basename(w.file)).toMatch(/^id_pipeline_1_job_a_b-[0-9a-f]{12}\.jsonl$/);
    w.append([open('id', dir), { t: 'params', params: { a: '1' } }]);
    fs.appendFileSync(w.file, '{"t":"metrics","points":[{"k":"x","v":1,"s":0,"ts":5}]'); // a writer mid-line
    const r = readJournal(w.file, 0);
    expect(r.entries.map((e) => e.event.t)).toEqual(['open', 'params']);
    expect(r.end).toBe(r.entries[1]!.end);
    w.close();
    // the next writer starts on a fresh line: the torn line counts as corrupt, the new event parses
    const w2 = JournalWriter.open(dir, 'id|pipeline:1|job:a b');
    w2.append([{ t: 'tags', tags: { k: 'v' } }]);
    w2.close();
    const all = readWholeJournal(w2.file);
    expect(all.entries.map((e) => e.event.t)).toEqual(['open', 'params', 'tags']);
    expect(all.badLines).toBe(1);
  });

  it('reads a line longer than the read window', () => {
    const dir = tmpDir('longline');
    const w = JournalWriter.open(dir, 'long');
    const points = Array.from({ length: 3000 }, (_, i) => ({ k: 'm', v: i, s: i, ts: i }));
    w.append([open('long', dir), { t: 'metrics', points }, { t: 'status', status: 'FINISHED', time: 1 }]);
    w.close();
    const r = readJournal(w.file, 0, 1024);
    expect(r.entries.map((e) => e.event.t)).toEqual(['open']);
    const r2 = readJournal(w.file, r.end, 1024);
    expect(r2.entries.map((e) => e.event.t)[0]).toBe('metrics');
    expect(readWholeJournal(w.file).entries).toHaveLength(3);
  });

  it('cursor: per destination, atomic, unreadable = start over', () => {
    const dir = tmpDir('cursor');
    const file = path.join(dir, 'j.jsonl');
    fs.writeFileSync(file, '');
    expect(readCursor(file)).toEqual({ v: 1, targets: {} });
    writeCursor(file, { v: 1, targets: { 'http://a': { offset: 10, runId: 'r' } } });
    expect(readCursor(file).targets['http://a']!.offset).toBe(10);
    fs.writeFileSync(file.replace('.jsonl', '.cursor.json'), '{garbage');
    expect(readCursor(file).targets).toEqual({});
  });

  it('lock: exclusive; a dead owner on this host or a lock nobody refreshes is stale', () => {
    const dir = tmpDir('lock');
    const file = path.join(dir, 'j.jsonl');
    const a = tryLock(file)!;
    expect(a).not.toBeNull();
    expect(tryLock(file)).toBeNull();
    a.release();
    expect(fs.existsSync(lockPath(file))).toBe(false);
    // a lock left by a process that has exited
    const dead = spawnSync('node', ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    fs.writeFileSync(lockPath(file), JSON.stringify({ host: os.hostname(), pid: Number(dead), time: Date.now() }));
    expect(isStale(lockPath(file), 60_000)).toBe(true);
    const b = tryLock(file)!;
    expect(b).not.toBeNull();
    b.release();
    // a live owner on this host is never stale, however old its lock
    fs.writeFileSync(lockPath(file), JSON.stringify({ host: os.hostname(), pid: process.ppid, time: 0 }));
    const ancient = new Date(Date.now() - 3_600_000);
    fs.utimesSync(lockPath(file), ancient, ancient);
    expect(tryLock(file, 60_000)).toBeNull();
    fs.rmSync(lockPath(file));
    // a live owner on another host: stale only once not refreshed for staleMs
    fs.writeFileSync(lockPath(file), JSON.stringify({ host: 'elsewhere', pid: 1, time: Date.now() }));
    expect(tryLock(file, 60_000)).toBeNull();
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(lockPath(file), old, old);
    expect(tryLock(file, 60_000)).not.toBeNull();
  });

  it('shipper: the cursor moves only past acknowledged batches; a resumed shipment sends the rest', async () => {
    const dir = tmpDir('ship');
    const w = JournalWriter.open(dir, 'ship');
    w.append([open('ship', dir), { t: 'params', params: { p: '1' } }]);
    for (let i = 0; i < 5; i++) w.append([{ t: 'metrics', points: [{ k: 'm', v: i, s: i, ts: 1000 + i }] }]);
    w.append([{ t: 'status', status: 'FINISHED', time: 2000 }]);
    w.close();

    const sink = new RecordingSink();
    sink.failAfter = 2; // params batch, one metrics batch, then the connection drops
    const s1 = JournalShipper.acquire(w.file, sink, { batchPoints: 2 })!;
    await expect(s1.ship()).rejects.toThrow(/connection reset/);
    s1.close();
    const shippedPoints = sink.batches.flatMap((b) => b.metrics).map((p) => p.s);
    expect(shippedPoints).toEqual([0, 1]);
    const offset = readCursor(w.file).targets['memory://test']!.offset;
    expect(offset).toBeGreaterThan(0);

    sink.failAfter = Infinity;
    const s2 = JournalShipper.acquire(w.file, sink, { batchPoints: 2 })!;
    const counts = await s2.ship();
    s2.close();
    expect(sink.batches.flatMap((b) => b.metrics).map((p) => p.s)).toEqual([0, 1, 2, 3, 4]);
    expect(counts.metrics).toBe(3);
    expect(sink.statuses).toEqual(['FINISHED']);
    expect(readCursor(w.file).targets['memory://test']!.offset).toBe(fs.statSync(w.file).size);
  });

  it('shipper: chunks go out at most parallelRequests at once, every point is counted, a failed chunk stops the rest', async () => {
    const dir = tmpDir('chunks');
    const w = JournalWriter.open(dir, 'chunks');
    w.append([open('chunks', dir), ...metricsEvents(Array.from({ length: 9500 }, (_, i) => ({ k: 'm', v: i, s: i, ts: i })))]);
    w.close();
    /** answers after a pause, so chunks overlap; the chunk holding step `failAt` is refused by a dead server */
    class SlowSink extends RecordingSink {
      inFlight = 0; peak = 0; started = 0; failAt = -1;
      override async logBatch(r: RunRef, b: Batch): Promise<void> {
        this.started++;
        this.inFlight++;
        this.peak = Math.max(this.peak, this.inFlight);
        await new Promise((res) => setTimeout(res, 20));
        this.inFlight--;
        if (b.metrics.some((p) => p.s === this.failAt)) throw new Error('connection reset');
        await super.logBatch(r, b);
      }
    }
    const sink = new SlowSink();
    const s1 = JournalShipper.acquire(w.file, sink, { parallelRequests: 3, batchPoints: 100_000 })!;
    const counts = await s1.ship();
    s1.close();
    expect(counts.metrics).toBe(9500); // each chunk's points added once its answer came, none lost to a race
    expect(sink.peak).toBe(3);
    expect(sink.batches.flatMap((b) => b.metrics)).toHaveLength(9500);

    fs.rmSync(w.file.replace('.jsonl', '.cursor.json'));
    const failing = new SlowSink();
    failing.failAt = 0; // the first chunk fails: the two running beside it finish, no further one starts
    const s2 = JournalShipper.acquire(w.file, failing, { parallelRequests: 3, batchPoints: 100_000 })!;
    await expect(s2.ship()).rejects.toThrow(/connection reset/);
    s2.close();
    expect(failing.started).toBe(3);
    expect(failing.inFlight).toBe(0);
    expect(readCursor(w.file).targets['memory://test']?.offset ?? 0).toBe(0);
  });

  it('artifacts: from the job directory while the journal is at home, from next to .dap/ once moved', async () => {
    const root = tmpDir('home');
    const workdir = path.join(root, 'builds', 'job1'); // the job ran elsewhere than its journal dir (dap run --local)
    for (const [d, text] of [[workdir, 'job'], [root, 'stale']] as const) {
      fs.mkdirSync(path.join(d, 'out'), { recursive: true });
      fs.writeFileSync(path.join(d, 'out', 'a.txt'), text);
    }
    const jdir = path.join(root, '.dap', 'journal');
    const w = JournalWriter.open(jdir, 'art');
    w.append([{ ...open('art', workdir), journalPath: w.file }, { t: 'artifact', path: 'out', dest: 'out' }]);
    w.close();
    const sink = new RecordingSink();
    const s1 = JournalShipper.acquire(w.file, sink)!;
    await s1.ship();
    s1.close();
    expect(sink.uploads).toEqual(['out/a.txt=job']);

    const unpacked = tmpDir('unpacked');
    fs.cpSync(jdir, path.join(unpacked, '.dap', 'journal'), { recursive: true });
    fs.mkdirSync(path.join(unpacked, 'out'));
    fs.writeFileSync(path.join(unpacked, 'out', 'a.txt'), 'artifact');
    for (const f of fs.readdirSync(path.join(unpacked, '.dap', 'journal'))) if (f.endsWith('.cursor.json')) fs.rmSync(path.join(unpacked, '.dap', 'journal', f));
    const moved = path.join(unpacked, '.dap', 'journal', path.basename(w.file));
    const sink2 = new RecordingSink();
    const s2 = JournalShipper.acquire(moved, sink2)!;
    await s2.ship();
    s2.close();
    expect(sink2.uploads).toEqual(['out/a.txt=artifact']);
  });

  it('a second shipper of the same journal is turned away while the first holds it', () => {
    const dir = tmpDir('busy');
    const w = JournalWriter.open(dir, 'busy');
    w.append([open('busy', dir)]);
    w.close();
    const first = JournalShipper.acquire(w.file, new RecordingSink())!;
    expect(JournalShipper.acquire(w.file, new RecordingSink())).toBeNull();
    first.close();
    expect(JournalShipper.acquire(w.file, new RecordingSink())).not.toBeNull();
  });
});

describe('metricsEvents', () => {
  it('splits a burst into events of at most POINTS_PER_EVENT points, in order, none lost', () => {
    const points = Array.from({ length: 2 * POINTS_PER_EVENT + 1 }, (_, s) => ({ k: 'loss', v: s, s, ts: 1000 + s }));
    const events = metricsEvents(points);
    expect(events.map((e) => (e.t === 'metrics' ? e.points.length : -1))).toEqual([POINTS_PER_EVENT, POINTS_PER_EVENT, 1]);
    expect(events.flatMap((e) => (e.t === 'metrics' ? e.points : []))).toEqual(points);
    expect(metricsEvents([])).toEqual([]);
  });
});
