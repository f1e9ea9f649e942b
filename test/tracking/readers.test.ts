import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetricCollector, WarningCounter } from '../../src/tracking/metric-collector.js';
import { readMetricFile } from '../../src/tracking/metric-files.js';
import { toMetricValue } from '../../src/core/mlflow/values.js';
import { keyProblem } from '../../src/adapters/mlflow/index.js';
import { FileTail } from '../../src/tracking/metrics-tail.js';
import { expandArtifacts } from '../../src/tracking/artifact-paths.js';
import { jobContext, pathList } from '../../src/tracking/job-context.js';
import { tmpDir } from './helpers.js';

function collector(now = 1_000) {
  const lines: string[] = [];
  let t = now;
  const c = new MetricCollector(new WarningCounter((l) => lines.push(l), 2), () => t);
  return { c, lines, tick: (ms: number) => { t += ms; } };
}

describe('metric lines', () => {
  it('reads key/value and dict forms; steps and timestamps as given, else per key', () => {
    const { c } = collector();
    expect(c.fromJsonLine('{"key":"loss","value":0.5,"step":3,"timestamp":1700000000123}', 'f:1')).toEqual([{ k: 'loss', v: 0.5, s: 3, ts: 1700000000123 }]);
    expect(c.fromJsonLine('{"step":4,"loss":0.4,"acc":0.9}', 'f:2')).toEqual([
      { k: 'loss', v: 0.4, s: 4, ts: 1000 },
      { k: 'acc', v: 0.9, s: 4, ts: 1000 },
    ]);
    // seconds (Python's time.time()) become ms
    expect(c.fromJsonLine('{"key":"x","value":1,"timestamp":1700000000.5}', 'f:3')[0]!.ts).toBe(1700000000500);
    // no step: previous step + 1; no timestamp: now, but always after the last one dap gave the key
    expect(c.fromJsonLine('{"acc":0.91}', 'f:4')).toEqual([{ k: 'acc', v: 0.91, s: 5, ts: 1001 }]);
    expect(c.fromJsonLine('{"acc":0.91}', 'f:5')).toEqual([{ k: 'acc', v: 0.91, s: 6, ts: 1002 }]);
  });

  it('a step or timestamp MLflow cannot store drops that point alone, reported with its line; later points keep their own time', () => {
    const { c, lines } = collector();
    expect(c.fromJsonLine('{"key":"loss","value":1,"step":0}', 'm.jsonl:1')).toEqual([{ k: 'loss', v: 1, s: 0, ts: 1000 }]);
    // beyond 2^63 (MLflow's int64), beyond 2^53 (no JSON reader keeps it exactly), as a string too
    expect(c.fromJsonLine('{"key":"loss","value":2,"step":9223372036854775808}', 'm.jsonl:2')).toEqual([]);
    expect(c.fromJsonLine('{"key":"loss","value":2,"step":9007199254740993}', 'm.jsonl:3')).toEqual([]);
    expect(c.fromJsonLine('{"key":"loss","value":2,"step":"99999999999999999999"}', 'm.jsonl:4')).toEqual([]);
    // a timestamp far in the future: the point is dropped, and it does not drag the next points along
    expect(c.fromJsonLine('{"key":"loss","value":3,"step":1,"timestamp":1e19}', 'm.jsonl:5')).toEqual([]);
    expect(c.fromJsonLine('{"key":"loss","value":4,"step":2}', 'm.jsonl:6')).toEqual([{ k: 'loss', v: 4, s: 2, ts: 1001 }]);
    // a valid explicit timestamp (even a late one) is kept as given and does not move dap's own clock
    expect(c.fromJsonLine('{"key":"loss","value":5,"step":3,"timestamp":4102444800000}', 'm.jsonl:7')).toEqual([{ k: 'loss', v: 5, s: 3, ts: 4102444800000 }]);
    expect(c.fromJsonLine('{"key":"loss","value":6}', 'm.jsonl:8')).toEqual([{ k: 'loss', v: 6, s: 4, ts: 1002 }]);
    expect(c.warnings.counts.range).toBe(4);
    expect(lines[0]).toMatch(/^dap track: warning: m\.jsonl:2: the step 9223372036854776000 is beyond ±9007199254740991/);
    expect(c.warnings.summary()).toBe('skipped 4 point(s) with a step or timestamp MLflow cannot store');
  });

  it('NaN and ±Inf as MLflow takes them, including Python json.dumps output', () => {
    const { c } = collector();
    expect(c.fromJsonLine('{"step":0,"a":NaN,"b":Infinity,"c":-Infinity}', 'f').map((p) => p.v)).toEqual(['NaN', 'Infinity', '-Infinity']);
    expect(c.fromJsonLine('{"key":"d","value":"inf"}', 'f')[0]!.v).toBe('Infinity');
    expect(toMetricValue(true)).toBeUndefined();
    expect(toMetricValue('1.5')).toBeUndefined();
  });

  it('bad input is skipped, counted and reported (the first few of each kind), never thrown', () => {
    const { c, lines } = collector();
    const bad = ['not json', '[1,2]', '{"key":"bad key!","value":1}', '{"key":"../up","value":1}', '{"key":"t","value":"abc"}',
      '{"step":1.5,"x":1}', '{"key":"v","value":null}', '{"key":"w","value":{"a":1}}', '{"step":1}'];
    for (const l of bad) expect(c.fromJsonLine(l, 'm.jsonl:1')).toEqual([]);
    expect(c.warnings.counts).toEqual({ malformed: 4, key: 2, value: 3, range: 0 });
    expect(c.warnings.summary()).toBe('skipped 4 malformed line(s), 2 illegal key(s), 3 non-numeric value(s)');
    expect(lines.some((l) => /metric key "bad key!" rejected: keys may only contain/.test(l))).toBe(true);
    expect(lines.some((l) => /more malformed problems; counting them silently/.test(l))).toBe(true);
  });

  it('key rules follow MLflow: characters, length, path normalisation', () => {
    expect(keyProblem('train/loss:avg 1.0-x')).toBeUndefined();
    expect(keyProblem('ünïcode_ok')).toBeUndefined();
    expect(keyProblem('')).toMatch(/empty/);
    expect(keyProblem('a'.repeat(251))).toMatch(/at most 250 characters/);
    expect(keyProblem('a//b')).toMatch(/resolves to "a\/b"/);
    expect(keyProblem('/abs')).toMatch(/resolve/);
    expect(keyProblem('a$b')).toMatch(/may only contain/);
  });
});

describe('end-of-run metric files', () => {
  it('metrics.json with scalars and lists, CSV with and without a step column', () => {
    const dir = tmpDir('mfiles');
    const { c } = collector();
    fs.writeFileSync(path.join(dir, 'metrics.json'), JSON.stringify({ acc: 0.9, curve: [1, 2], bad: 'x' }));
    expect(readMetricFile(path.join(dir, 'metrics.json'), c).map((p) => [p.k, p.v, p.s])).toEqual([['acc', 0.9, 0], ['curve', 1, 0], ['curve', 2, 1]]);
    fs.writeFileSync(path.join(dir, 'h.csv'), 'epoch,loss,"acc"\n5,0.5,0.7\n6,0.4,\n7,oops,0.8\n8,1\n');
    expect(readMetricFile(path.join(dir, 'h.csv'), c).map((p) => [p.k, p.v, p.s])).toEqual([
      ['loss', 0.5, 5], ['acc', 0.7, 5], ['loss', 0.4, 6], ['acc', 0.8, 7],
    ]);
    fs.writeFileSync(path.join(dir, 'nostep.csv'), 'loss\n0.3\nnan\n');
    expect(readMetricFile(path.join(dir, 'nostep.csv'), c).map((p) => [p.k, p.v, p.s])).toEqual([['loss', 0.3, 0], ['loss', 'NaN', 1]]);
    expect(c.warnings.counts).toEqual({ malformed: 1, key: 0, value: 2, range: 0 });
    // a final value of a streamed key lands on the key's last step
    c.fromJsonLine('{"step":9,"val_loss":0.2}', 'm.jsonl:1');
    fs.writeFileSync(path.join(dir, 'final.json'), JSON.stringify({ val_loss: 0.19 }));
    expect(readMetricFile(path.join(dir, 'final.json'), c).map((p) => [p.k, p.v, p.s])).toEqual([['val_loss', 0.19, 9]]);
    fs.writeFileSync(path.join(dir, 'same.json'), JSON.stringify({ val_loss: 0.19 }));
    expect(readMetricFile(path.join(dir, 'same.json'), c)).toEqual([]);
  });
});

describe('file tail', () => {
  it('hands out complete lines while the writer runs and the unterminated last one at stop', () => {
    const dir = tmpDir('tail');
    const file = path.join(dir, 'm.jsonl');
    fs.writeFileSync(file, 'old\n');
    const got: string[] = [];
    const tail = new FileTail(file, (l) => got.push(...l));
    tail.skipExisting();
    fs.appendFileSync(file, 'a\nb');
    expect(tail.poll()).toBe(1);
    fs.appendFileSync(file, 'c\nd');
    tail.poll();
    tail.stop();
    expect(got).toEqual(['a', 'bc', 'd']);
  });

  it('keeps a multi-byte character split between two writes', () => {
    const dir = tmpDir('tail-utf8');
    const file = path.join(dir, 'm.jsonl');
    const got: string[] = [];
    const tail = new FileTail(file, (l) => got.push(...l));
    const bytes = Buffer.from('{"größe":1}\n', 'utf8');
    fs.writeFileSync(file, bytes.subarray(0, 5)); // ends inside "ö"
    tail.poll();
    fs.appendFileSync(file, bytes.subarray(5));
    tail.stop();
    expect(got).toEqual(['{"größe":1}']);
  });
});

describe('artifacts and job context', () => {
  it('expands files, directories and globs relative to the workdir', () => {
    const dir = tmpDir('globs');
    fs.mkdirSync(path.join(dir, 'out/a/b'), { recursive: true });
    for (const f of ['out/m.pt', 'out/a/x.pt', 'out/a/b/y.pt', 'out/a/b/z.txt', 'log.txt']) fs.writeFileSync(path.join(dir, f), f);
    const { matches, unmatched } = expandArtifacts(['out/**/*.pt', 'log.txt', 'out/a', 'none/*.bin'], dir);
    expect(matches.map((m) => m.path)).toEqual(['out/a/b/y.pt', 'out/a/x.pt', 'out/m.pt', 'log.txt', 'out/a']);
    expect(matches.every((m) => m.dest === m.path)).toBe(true);
    expect(unmatched).toEqual(['none/*.bin']);
  });

  it('identity: run key + pipeline + job name + job id (a retry is its own run); flags win over the environment', () => {
    const dir = tmpDir('ctx');
    fs.writeFileSync(path.join(dir, 'p.json'), '{"lr":0.1,"name":"x","flag":true}');
    const env = { DAP_EXPERIMENT: 'spec', DAP_TRACKING_EXPERIMENT: 'mlflow-exp', DAP_RUN_KEY: 'k1', CI_PIPELINE_ID: '9', CI_JOB_NAME: "it's: [r0]", CI_JOB_ID: '5', DAP_PARAMS_FILE: 'p.json', DAP_ARTIFACTS: '["a","b"]', DAP_METRIC_FILES: 'm.json\nh.csv\n' };
    const ctx = jobContext(env, {}, dir, ['python3', 'x.py']);
    expect(ctx.identity).toBe('k1|pipeline:9|job:it_s: [r0]#5');
    expect(ctx.tags['dap.attempt_of']).toBe('k1|pipeline:9|job:it_s: [r0]');
    expect(ctx.experiment).toBe('mlflow-exp');
    expect(ctx.params).toEqual({ lr: '0.1', name: 'x', flag: 'true' });
    expect(ctx.artifacts).toEqual(['a', 'b']);
    expect(ctx.metricFiles).toEqual(['m.json', 'h.csv']);
    const retry = jobContext({ ...env, CI_JOB_ID: '6' }, {}, dir, ['x']);
    expect(retry.identity).toBe('k1|pipeline:9|job:it_s: [r0]#6');
    expect(retry.tags['dap.attempt_of']).toBe(ctx.tags['dap.attempt_of']);
    expect(jobContext(env, { experiment: 'other', runKey: 'k2' }, dir, ['x']).identity).toBe('k2|pipeline:9|job:it_s: [r0]#5');
    expect(jobContext({}, { experiment: 'e' }, dir, ['x']).identity).toBe('e|local');
    expect(() => jobContext({}, {}, dir, ['x'])).toThrow(/needs an experiment name/);
    expect(pathList(' ')).toEqual([]);
  });

  it('what the job environment lacks (spec file, artifacts, metric files, ranking) comes from experiments/<spec>.yaml', () => {
    const dir = tmpDir('ctx-spec');
    fs.mkdirSync(path.join(dir, 'experiments'));
    const text = 'name: toy\nmetrics: {primary: val_loss, goal: minimize, files: [metrics.json]}\nartifacts: {paths: [outputs/, model.pt]}\n';
    fs.writeFileSync(path.join(dir, 'experiments/a-other.yaml'), 'name: other\n');
    fs.writeFileSync(path.join(dir, 'experiments/toy.yaml'), text);
    const ctx = jobContext({ DAP_EXPERIMENT: 'toy' }, {}, dir, ['x']);
    expect(ctx.artifacts).toEqual(['outputs/', 'model.pt']);
    expect(ctx.metricFiles).toEqual(['metrics.json']);
    expect(ctx.tags['dap.spec_file']).toBe('experiments/toy.yaml');
    expect(ctx.tags['dap.spec_hash']).toMatch(/^[0-9a-f]{64}$/);
    expect([ctx.primary, ctx.goal]).toEqual(['val_loss', 'minimize']);
    // what the environment says wins
    expect(jobContext({ DAP_EXPERIMENT: 'toy', DAP_ARTIFACTS: '' }, {}, dir, ['x']).artifacts).toEqual([]);
  });
});
