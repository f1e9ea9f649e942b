import { describe, expect, it } from 'vitest';
import { MlflowSink } from '../../src/tracking/mlflow-sink.js';
import type { MlflowApi, MlflowRunInfo } from '../../src/tracking/mlflow-api.js';
import type { OpenEvent } from '../../src/tracking/events.js';

// The run-creation race, with the server's visibility under the test's control.

class MemoryMlflow implements MlflowApi {
  readonly trackingUri = 'memory://mlflow';
  runs: Array<MlflowRunInfo & { visible: boolean; deleted?: boolean }> = [];
  /** new runs become visible to searches only when the test says so */
  autoVisible = true;
  private n = 0;
  private clock = 1000;
  async getOrCreateExperiment(): Promise<string> { return '1'; }
  async searchRuns(_e: string, filter: string): Promise<MlflowRunInfo[]> {
    const id = /= '(.*)'$/.exec(filter)![1];
    return this.runs.filter((r) => r.visible && !r.deleted && r.tags?.['dap.identity'] === id);
  }
  async createRun(req: { startTime: number; tags: Array<{ key: string; value: string }> }): Promise<MlflowRunInfo> {
    const tags = Object.fromEntries(req.tags.map((t) => [t.key, t.value]));
    tags['dap.created_at'] = String(this.clock++); // creation order, as the creators' clocks would give it
    const run = { runId: `run${9 - this.n++}`, experimentId: '1', startTime: req.startTime, tags, visible: this.autoVisible };
    this.runs.push(run);
    return run;
  }
  async deleteRun(runId: string): Promise<void> { this.runs.find((r) => r.runId === runId)!.deleted = true; }
  async logBatch(): Promise<void> {}
  async updateRun(): Promise<void> {}
  async uploadArtifact(): Promise<void> {}
}

const open: OpenEvent = { t: 'open', v: 1, identity: 'k|pipeline:1|job:a', experiment: 'e', runName: 'a', time: 5, workdir: '/' };

describe('MlflowSink.resolveRun', () => {
  it('finds the existing run by identity instead of creating one', async () => {
    const api = new MemoryMlflow();
    const sink = new MlflowSink(api, { settleMs: 0 });
    const first = await sink.resolveRun(open);
    const again = await sink.resolveRun(open);
    expect(again.runId).toBe(first.runId);
    expect(api.runs).toHaveLength(1);
  });

  it('a creator that saw only its own run and a later one that sees both agree on the earlier run', async () => {
    const api = new MemoryMlflow();
    const a = await new MlflowSink(api, { settleMs: 0 }).resolveRun(open); // alone
    // B searched before A's run was visible, so it creates its own (lower run id, later creation)
    api.runs[0]!.visible = false;
    api.autoVisible = true;
    const bSink = new MlflowSink(api, { settleMs: 0 });
    const search = api.searchRuns.bind(api);
    let calls = 0;
    api.searchRuns = async (e, f) => { if (calls++ === 1) api.runs[0]!.visible = true; return search(e, f); };
    const b = await bSink.resolveRun(open);
    expect(b.runId).toBe(a.runId);
    expect(api.runs.filter((r) => !r.deleted).map((r) => r.runId)).toEqual([a.runId]);
  });

  it('two creators that both see both agree, and only the loser is deleted', async () => {
    const api = new MemoryMlflow();
    api.autoVisible = false;
    const s1 = new MlflowSink(api, { settleMs: 20 });
    const s2 = new MlflowSink(api, { settleMs: 20 });
    const p1 = s1.resolveRun(open);
    const p2 = s2.resolveRun(open);
    await new Promise((r) => setTimeout(r, 5));
    for (const r of api.runs) r.visible = true;
    const [r1, r2] = await Promise.all([p1, p2]);
    expect(r1.runId).toBe(r2.runId);
    expect(api.runs.filter((r) => !r.deleted)).toHaveLength(1);
  });
});
