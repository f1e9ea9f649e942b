import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { ChartSpec } from '../core/report/charts.js';

// vega-lite spec -> vega -> SVG text, headless: a View with renderer 'none' draws nothing on
// screen; toSVG() walks the scenegraph (no canvas, no browser, text widths estimated).

export async function renderSvg(chart: ChartSpec): Promise<string> {
  const { spec } = compile(chart.spec as never);
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function renderAll(charts: ChartSpec[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const c of charts) out[c.id] = await renderSvg(c);
  return out;
}
