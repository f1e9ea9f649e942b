import { describe, expect, it } from 'vitest';
import { reportCharts } from '../../../src/core/report/charts.js';
import { renderHtml } from '../../../src/core/report/html.js';
import { fitMarkdown, GITHUB_COMMENT_LIMIT, GITLAB_NOTE_LIMIT, REPORT_MARKER, renderMarkdown } from '../../../src/core/report/markdown.js';
import { buildReport } from '../../../src/core/report/model.js';
import type { ExperimentRuns } from '../../../src/core/report/types.js';
import { renderAll } from '../../../src/ops/report-charts.js';
import { fakeRun } from '../../support/report-fixtures.js';

const goals = { val_loss: 'minimize', r2: 'maximize' } as const;

function sweep(): ExperimentRuns {
  return {
    experiment: 'toy', primary: 'val_loss', goals: { ...goals },
    runs: [
      fakeRun('r0', { lr: '0.01', seed: '7' }, 1, 0.1),
      fakeRun('r1', { lr: '0.1', seed: '7' }, 1, 0.6),
      fakeRun('r2', { lr: '0.03', seed: '7' }, 1, 0.3),
      fakeRun('r3', { lr: '1', seed: '7' }, 1, 0, { status: 'FAILED', metrics: { val_loss: [[0, 5]] } }),
    ],
    baseline: [fakeRun('b0', { lr: '0.01', seed: '7' }, 1, 0.2), fakeRun('b1', { lr: '0.1', seed: '7' }, 1, 0.4), fakeRun('b2', { lr: '0.03', seed: '7' }, 1, 0.3)],
    baselinePipeline: '5',
  };
}

describe('report model', () => {
  it('ranks finished runs by the primary metric, lists failed ones, and compares bests with the target branch against each goal', () => {
    const r = buildReport({ subject: { title: 'pipeline #7', targetBranch: 'main', branch: 'faster-lr' }, experiments: [sweep()] });
    const e = r.experiments[0]!;
    expect(e.rows.map((x) => [x.run.name, x.rank])).toEqual([['r1', 1], ['r2', 2], ['r0', 3], ['r3', undefined]]);
    expect(e.best?.run.name).toBe('r1');
    expect(e.failed.map((x) => x.run.name)).toEqual(['r3']);
    expect(e.sweptParams).toEqual(['lr']);
    expect(e.fixedParams).toEqual({ seed: '7' });
    const vl = e.deltas.find((d) => d.metric === 'val_loss')!;
    // best here: exp(-2.4) (r1, step 4); best on main: exp(-1.6) (b1)
    expect(vl.current).toBeCloseTo(Math.exp(-2.4), 5);
    expect(vl.target).toBeCloseTo(Math.exp(-1.6), 5);
    expect(vl.better).toBe(true);
    const r2 = e.deltas.find((d) => d.metric === 'r2')!;
    expect(r2.delta).toBeGreaterThan(0);
    expect(r2.better).toBe(true);
    // same run key on main: r0 (rate 0.1) is worse than its twin b0 (rate 0.2); r2 equals b2
    expect(e.rows.find((x) => x.run.name === 'r0')!.primaryDelta).toBeGreaterThan(0);
    expect(e.rows.find((x) => x.run.name === 'r2')!.primaryDelta).toBe(0);
    expect(r.totals).toEqual({ runs: 4, finished: 3, failed: 1 });
  });

  it('a worse metric is marked ↑ worse, and without baseline runs the reason is given instead of deltas', () => {
    const worse = sweep();
    worse.baseline = [fakeRun('b9', { lr: '0.5', seed: '7' }, 1, 2)];
    const md = renderMarkdown(buildReport({ subject: { title: 'pipeline #7', targetBranch: 'main' }, experiments: [worse] }), { topN: 10, charts: [], images: {} });
    // best here exp(-2.4) = 0.09072; on main exp(-8), stored to 6 places = 3.350e-4: higher loss is worse
    expect(md).toContain('| val\\_loss | minimize | 0.09072 | 3.350e-4 | +0.09038 ↑ worse |');
    const none = sweep();
    delete none.baseline;
    none.noBaseline = 'the target branch main has no runs of toy in MLflow yet';
    const md2 = renderMarkdown(buildReport({ subject: { title: 'pipeline #7', targetBranch: 'main' }, experiments: [none] }), { topN: 10, charts: [], images: {} });
    expect(md2).toContain('No deltas: the target branch main has no runs of toy in MLflow yet.');
    expect(md2).not.toContain('| metric | goal |');
  });

  it('markdown snapshot', async () => {
    const report = buildReport({ subject: { title: 'pipeline #7', pipelineUrl: 'https://gitlab.example.com/g/p/-/pipelines/7', branch: 'faster-lr', sha: 'abcdef0123456789', targetBranch: 'main' }, experiments: [sweep()] });
    const charts = reportCharts(report);
    const images = Object.fromEntries(charts.map((c) => [c.id, `![${c.title}](/uploads/0123/${c.id}.svg)`]));
    const md = renderMarkdown(report, { topN: 10, charts, images });
    expect(md.startsWith(REPORT_MARKER + '\n')).toBe(true);
    await expect(md).toMatchFileSnapshot('__snapshots__/report.md');
  });

  it('untrusted names, params and links cannot break the table or inject HTML', () => {
    const e = sweep();
    e.runs[0] = fakeRun('evil|<img src=x onerror=alert(1)>', { lr: 'a|b\nc', seed: '7' }, 1, 0.1, { mlflowUrl: 'javascript:alert(1)', jobUrl: 'https://x.example/a) [b](c' });
    const report = buildReport({ subject: { title: 'pipeline #7' }, experiments: [e] });
    const md = renderMarkdown(report, { topN: 10, charts: [], images: {} });
    const row = md.split('\n').find((l) => l.includes('evil'))!;
    expect(row).toContain('evil\\|\\<img src=x onerror=alert(1)\\>');
    expect(row.split(/(?<!\\)\|/).length).toBe(md.split('\n').find((l) => l.startsWith('| # |'))!.split('|').length);
    expect(md).not.toContain('javascript:');
    expect(md).toContain("[job](https://x.example/a%29%20%5Bb%5D%28c)");
    const html = renderHtml(report, [], {});
    expect(html).not.toContain('<img');
    expect(html).not.toContain('javascript:');
  });

  it('a 1,000-run sweep stays readable: top N in the comment, under both hosts\' limits, every run in report.html', async () => {
    const runs = Array.from({ length: 1000 }, (_, i) => fakeRun(`r${i}`, { lr: String(0.001 * (i + 1)), seed: String(i % 7) }, 1, 0.001 * (i + 1), i % 50 === 0 ? { status: 'FAILED' } : {}));
    const report = buildReport({ subject: { title: 'pipeline #9' }, experiments: [{ experiment: 'big', primary: 'val_loss', goals: { ...goals }, runs }] });
    const charts = reportCharts(report);
    const gl = fitMarkdown(report, { topN: 10, charts, images: {} }, GITLAB_NOTE_LIMIT);
    expect(gl.topN).toBe(10);
    expect(gl.text).toContain('Top 10 of 980 runs:');
    expect(gl.text).toContain('Failed runs (20):');
    expect(gl.text).toContain('- … 10 more');
    expect(gl.text).toContain('980 more run(s) are in the full report');
    expect(gl.text.split('\n').filter((l) => /^\| \d+ \|/.test(l))).toHaveLength(10);
    // a host with a small limit gets fewer rows, never a cut-off comment
    const small = fitMarkdown(report, { topN: 500, charts, images: {} }, GITHUB_COMMENT_LIMIT);
    expect(small.text.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(small.topN).toBeLessThan(500);
    expect(small.text.endsWith('</sub>\n')).toBe(true);
    // the step chart draws the best 12, and says so
    expect(charts.find((c) => c.title.startsWith('val_loss by step'))!.title).toBe('val_loss by step (best 12 of 1000 runs)');
    const html = renderHtml(report, charts, await renderAll(charts));
    expect(html.match(/<tr( class="[a-z]+")?><td>/g)).toHaveLength(1000);
  }, 60_000);

  it('charts: one step chart per metric with one line per run, one scatter per swept param, drawn as SVG by vega', async () => {
    const report = buildReport({ subject: { title: 'pipeline #7' }, experiments: [sweep()] });
    const charts = reportCharts(report);
    expect(charts.map((c) => c.title)).toEqual(['val_loss by step', 'r2 by step', 'val_loss (best) by lr']);
    const svgs = await renderAll(charts);
    const steps = svgs[charts[0]!.id]!;
    expect(steps.startsWith('<svg')).toBe(true);
    // vega draws each line as a path with role-mark line in its own group: one per run (4 runs)
    expect(steps.match(/class="mark-line role-mark [a-z0-9_]*marks"/g)).toHaveLength(4);
    const scatter = svgs[charts[2]!.id]!;
    expect(scatter.match(/<path [^>]*d="M/g)!.length).toBeGreaterThanOrEqual(3);
    for (const svg of Object.values(svgs)) expect(svg).toMatch(/width="\d+" height="\d+"/);
  });
});
