// report.html: the whole comparison (every run, every chart) in one file that opens offline —
// styles inline, charts as inline SVG, no script, nothing fetched.

import type { ChartSpec } from './charts.js';
import type { ExperimentReport, Report, RunRow } from './model.js';
import { formatNumber, formatSigned, htmlText, safeUrl } from './text.js';

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1f2328}
table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:left}
th{background:#f6f8fa}tr.best td{background:#fff8c5;font-weight:600}tr.failed td{color:#b42318}
.better{color:#1a7f37}.worse{color:#b42318}.charts{display:flex;flex-wrap:wrap;gap:12px}
figure{margin:0;border:1px solid #d0d7de;padding:6px}code{background:#f6f8fa;padding:0 3px}`;

const esc = htmlText;
const link = (label: string, url?: string) => {
  const u = safeUrl(url);
  return u ? `<a href="${esc(u)}">${esc(label)}</a>` : '';
};

function runRow(e: ExperimentReport, r: RunRow, withDelta: boolean): string {
  const cls = r === e.best ? ' class="best"' : e.failed.includes(r) ? ' class="failed"' : '';
  const cells = [r.rank === undefined ? '' : String(r.rank), esc(r.run.name) + (r === e.best ? ' ★' : ''), esc(r.run.status.toLowerCase()),
    ...e.sweptParams.map((p) => esc(r.run.params[p] ?? '–')),
    ...e.metrics.map((m) => (r.stats[m] ? `${formatNumber(r.stats[m]!.final)} / ${formatNumber(r.stats[m]!.best)}` : '–'))];
  if (withDelta) cells.push(r.primaryDelta === undefined ? '–' : formatSigned(r.primaryDelta));
  cells.push([link('MLflow', r.run.mlflowUrl), link('job', r.run.jobUrl)].filter(Boolean).join(' · '));
  return `<tr${cls}>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
}

function section(report: Report, e: ExperimentReport, charts: ChartSpec[], svgs: Record<string, string>): string {
  const out = [`<h2>${esc(e.experiment)}</h2>`];
  out.push(`<p>${e.rows.length} run(s), ${e.failed.length} failed; ${e.primary ? `ranked by <b>${esc(e.primary)}</b> (${esc(e.goals[e.primary] ?? 'no goal')})` : 'not ranked (no primary metric)'}.</p>`);
  const fixed = Object.entries(e.fixedParams);
  if (fixed.length) out.push(`<p>Params shared by every run: ${fixed.map(([k, v]) => `<code>${esc(k)}</code>=${esc(v)}`).join(', ')}</p>`);
  if (e.deltas.length) {
    out.push(`<p>Compared with the latest runs on <code>${esc(report.subject.targetBranch ?? '')}</code>${e.baselinePipeline ? ` (pipeline ${esc(e.baselinePipeline)})` : ''}:</p>`);
    out.push('<table><tr><th>metric</th><th>goal</th><th>this pipeline (best)</th><th>target (best)</th><th>Δ</th></tr>');
    for (const d of e.deltas) {
      const cls = d.better === undefined ? '' : d.better ? 'better' : 'worse';
      const dir = d.delta > 0 ? '↑' : d.delta < 0 ? '↓' : '';
      out.push(`<tr><td>${esc(d.metric)}</td><td>${d.goal ?? '–'}</td><td>${formatNumber(d.current)}</td><td>${formatNumber(d.target)}</td><td class="${cls}">${formatSigned(d.delta)} ${dir}${cls ? ' ' + cls : ''}</td></tr>`);
    }
    out.push('</table>');
  } else if (e.noBaseline) {
    out.push(`<p>No deltas: ${esc(e.noBaseline)}.</p>`);
  }
  const withDelta = e.rows.some((r) => r.primaryDelta !== undefined);
  const head = ['#', 'run', 'status', ...e.sweptParams, ...e.metrics.map((m) => `${m} final / best`), ...(withDelta ? [`${e.primary} Δ target`] : []), 'links'];
  out.push(`<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`);
  for (const r of e.rows) out.push(runRow(e, r, withDelta));
  out.push('</table>');
  const mine = charts.filter((c) => c.experiment === e.experiment && svgs[c.id]);
  if (mine.length) out.push(`<div class="charts">${mine.map((c) => `<figure data-chart="${esc(c.id)}">${svgs[c.id]}</figure>`).join('')}</div>`);
  return out.join('\n');
}

export function renderHtml(report: Report, charts: ChartSpec[], svgs: Record<string, string>): string {
  const s = report.subject;
  const title = `dap report: ${s.title}${s.branch ? ` on ${s.branch}` : ''}`;
  const t = report.totals;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>${STYLE}</style></head><body>
<h1>${s.pipelineUrl ? link(title, s.pipelineUrl) : esc(title)}</h1>
<p>${report.experiments.length} experiment(s), ${t.runs} run(s): ${t.finished} finished, ${t.failed} failed.${s.sha ? ` Commit <code>${esc(s.sha)}</code>.` : ''}</p>
${report.experiments.map((e) => section(report, e, charts, svgs)).join('\n')}
</body></html>
`;
}
