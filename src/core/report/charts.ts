// The report's charts as vega-lite specs (data inline): each metric against step with one line per
// run, and the primary metric against each swept param. Drawing them is the caller's business.

import type { ExperimentReport, Report, RunRow } from './model.js';

export interface ChartSpec {
  /** stable, file-name safe: the upload's file name and the key the renderers look images up by */
  id: string;
  experiment: string;
  title: string;
  spec: Record<string, unknown>;
}

const WIDTH = 520;
const HEIGHT = 260;

/** experiment + what: lowercase, [a-z0-9-] only, plus a short hash so two names never collide */
export function chartId(experiment: string, what: string): string {
  const slug = `${experiment}-${what}`.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
  let h = 0;
  for (const c of `${experiment}\u0000${what}`) h = (Math.imul(h, 31) + c.codePointAt(0)!) >>> 0;
  return `${slug}-${h.toString(36)}`;
}

function metricChart(e: ExperimentReport, metric: string, rows: RunRow[], total: number): ChartSpec {
  const values = rows.flatMap((r) => (r.run.metrics[metric] ?? []).filter(([, v]) => Number.isFinite(v)).map(([step, value]) => ({ run: r.run.name, step, value })));
  const note = rows.length < total ? ` (best ${rows.length} of ${total} runs)` : '';
  // losses fall by orders of magnitude: on a linear axis everything after the first steps is flat
  const ys = values.map((v) => v.value);
  const log = ys.length > 0 && Math.min(...ys) > 0 && Math.max(...ys) / Math.min(...ys) >= 100;
  return {
    id: chartId(e.experiment, `metric-${metric}`),
    experiment: e.experiment,
    title: `${metric} by step${note}`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: `${e.experiment}: ${metric} by step${note}`,
      width: WIDTH, height: HEIGHT, background: 'white',
      data: { values },
      mark: { type: 'line', point: values.length <= 400 },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'step' },
        y: { field: 'value', type: 'quantitative', title: log ? `${metric} (log scale)` : metric, scale: log ? { type: 'log' } : { zero: false } },
        color: { field: 'run', type: 'nominal', title: 'run', sort: rows.map((r) => r.run.name) },
      },
    },
  };
}

function paramChart(e: ExperimentReport, primary: string, param: string, rows: RunRow[]): ChartSpec {
  const points = rows
    .filter((r) => r.run.params[param] !== undefined && Number.isFinite(r.stats[primary]?.best ?? NaN))
    .map((r) => ({ run: r.run.name, param: r.run.params[param]!, value: r.stats[primary]!.best }));
  const numeric = points.length > 0 && points.every((p) => p.param.trim() !== '' && Number.isFinite(Number(p.param)));
  const values = points.map((p) => ({ ...p, param: numeric ? Number(p.param) : p.param }));
  const goal = e.goals[primary];
  return {
    id: chartId(e.experiment, `param-${param}`),
    experiment: e.experiment,
    title: `${primary} (best) by ${param}`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: `${e.experiment}: ${primary} (best${goal ? `, ${goal}` : ''}) by ${param}`,
      width: WIDTH, height: HEIGHT, background: 'white',
      data: { values },
      mark: { type: 'point', filled: true, size: 70 },
      encoding: {
        x: { field: 'param', type: numeric ? 'quantitative' : 'nominal', title: param, ...(numeric ? { scale: { zero: false, padding: 16 } } : {}) },
        y: { field: 'value', type: 'quantitative', title: primary, scale: { zero: false, padding: 16 } },
        tooltip: [{ field: 'run' }, { field: 'param', title: param }, { field: 'value', title: primary }],
      },
    },
  };
}

/** `maxLines`: runs drawn per step chart (a legend of 1,000 runs helps nobody). */
export function reportCharts(report: Report, maxLines = 12): ChartSpec[] {
  const out: ChartSpec[] = [];
  for (const e of report.experiments) {
    const drawable = e.rows.filter((r) => Object.keys(r.run.metrics).length);
    const lines = drawable.slice(0, maxLines);
    for (const m of e.metrics) {
      const withMetric = lines.filter((r) => r.run.metrics[m]?.length);
      // a metric logged once per run (a final value) has no curve to draw
      if (withMetric.some((r) => r.run.metrics[m]!.length > 1)) out.push(metricChart(e, m, withMetric, drawable.filter((r) => r.run.metrics[m]?.length).length));
    }
    if (e.primary) {
      const finished = e.rows.filter((r) => r.run.status === 'FINISHED');
      for (const p of e.sweptParams) {
        const c = paramChart(e, e.primary, p, finished);
        if ((c.spec.data as { values: unknown[] }).values.length) out.push(c);
      }
    }
  }
  return out;
}
