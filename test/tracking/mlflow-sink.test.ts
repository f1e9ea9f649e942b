import { describe, expect, it } from 'vitest';
import { mlflowSink } from '../../src/tracking/mlflow-sink.js';
import type { OpenEvent } from '../../src/tracking/events.js';

// The run-creation race, through dap's real MLflow client, against an in-memory server whose
// search visibility the test controls (MLflow's REST routes and JSON shapes, service.proto).

interface StoredRun { run_id: string; experiment_id: string; start_time: number; tags: Array<{ key: string; value: string }>; visible: boolean; deleted?: boolean }

class MemoryMlflow {
  runs: StoredRun[] = [];
  /** new runs become visible to searches only when the test says so */
  autoVisible = true;
  /** called before each search answers (the test's hook into timing) */
  beforeSearch: (n: number) => void = () => {};
  private searches = 0;
  private n = 0;
  private clock = 1000;

  readonly fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    const body = init?.body ? JSON.parse(String(init.body)) : {};
    const route = url.pathname.replace('/api/2.0/mlflow', '');
    const json = (x: unknown) => new Response(JSON.stringify(x), { headers: { 'content-type': 'application/json' } });
    const tagOf = (r: StoredRun, k: string) => r.tags.find((t) => t.key === k)?.value;
    const asRun = (r: StoredRun) => ({ info: { run_id: r.run_id, experiment_id: r.experiment_id, start_time: r.start_time, status: 'RUNNING', lifecycle_stage: 'active' }, data: { tags: r.tags } });
    switch (route) {
      case '/experiments/get-by-name': return json({ experiment: { experiment_id: '1', name: url.searchParams.get('experiment_name'), lifecycle_stage: 'active' } });
      case '/runs/search': {
        this.beforeSearch(this.searches++);
        const id = /= '(.*)'$/.exec(body.filter)![1];
        return json({ runs: this.runs.filter((r) => r.visible && !r.deleted && tagOf(r, 'dap.identity') === id).map(asRun) });
      }
      case '/runs/create': {
        const tags = (body.tags as StoredRun['tags']).map((t) => (t.key === 'dap.created_at' ? { ...t, value: String(this.clock++) } : t));
        const run = { run_id: `run${9 - this.n++}`, experiment_id: '1', start_time: body.start_time, tags, visible: this.autoVisible };
        this.runs.push(run);
        return json({ run: asRun(run) });
      }
      case '/runs/delete': this.runs.find((r) => r.run_id === body.run_id)!.deleted = true; return json({});
      default: return new Response(JSON.stringify({ error_code: 'ENDPOINT_NOT_FOUND', message: route }), { status: 404 });
    }
  }) as typeof fetch;

  alive(): string[] {
    return this.runs.filter((r) => !r.deleted).map((r) => r.run_id);
  }
}

const open: OpenEvent = { t: 'open', v: 1, identity: 'k|pipeline:1|job:a', experiment: 'e', runName: 'a', time: 5, workdir: '/' };
const sinkOn = (server: MemoryMlflow, settleMs: number) => mlflowSink('http://mlflow.test', { fetch: server.fetch, env: {}, settleMs });

describe('MlflowSink.resolveRun', () => {
  it('finds the existing run by identity instead of creating one', async () => {
    const server = new MemoryMlflow();
    const first = await sinkOn(server, 0).resolveRun(open);
    const again = await sinkOn(server, 0).resolveRun(open);
    expect(again.runId).toBe(first.runId);
    expect(server.runs).toHaveLength(1);
  });

  it('a creator that saw only its own run and a later one that sees both agree on the earlier run', async () => {
    const server = new MemoryMlflow();
    const a = await sinkOn(server, 0).resolveRun(open); // alone
    // B searched before A's run was visible, so it creates its own (lower run id, later creation)
    server.runs[0]!.visible = false;
    server.beforeSearch = (n) => { if (n === 3) server.runs[0]!.visible = true; };
    const b = await sinkOn(server, 0).resolveRun(open);
    expect(b.runId).toBe(a.runId);
    expect(server.alive()).toEqual([a.runId]);
  });

  it('two creators that both see both agree, and only the loser is deleted', async () => {
    const server = new MemoryMlflow();
    server.autoVisible = false;
    const p1 = sinkOn(server, 20).resolveRun(open);
    const p2 = sinkOn(server, 20).resolveRun(open);
    await new Promise((r) => setTimeout(r, 5));
    for (const r of server.runs) r.visible = true;
    const [r1, r2] = await Promise.all([p1, p2]);
    expect(r1.runId).toBe(r2.runId);
    expect(server.alive()).toHaveLength(1);
  });
});
