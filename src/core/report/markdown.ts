// The report as one markdown comment (GitLab note / GitHub comment), kept under the host's size
// limit by showing fewer runs: the top N and a summary, everything else is in report.html.

import type { ChartSpec } from './charts.js';
import { topRows, type ExperimentReport, type MetricDelta, type Report, type RunRow } from './model.js';
import { formatNumber, formatSigned, mdLink, mdText } from './text.js';

/** The hidden line that finds our comment again, so it is edited instead of posted twice. */
export const REPORT_MARKER = '<!-- dap-report: do not edit this line, dap updates this comment in place -->';

export interface MarkdownOptions {
  /** runs per experiment in the tables */
  topN: number;
  charts: ChartSpec[];
  /** chart id -> the markdown that shows it (the uploads API's `markdown`); charts without one are listed */
  images: Record<string, string>;
  /** where the full report is (the job's report.html artifact) */
  fullReportUrl?: string;
}

export const GITLAB_NOTE_LIMIT = 1_000_000;
export const GITHUB_COMMENT_LIMIT = 65_536;

function arrow(d: MetricDelta): string {
  if (d.delta === 0) return '±0';
  const dir = d.delta > 0 ? '↑' : '↓';
  const verdict = d.better === undefined ? '' : d.better ? ' better' : ' worse';
  return `${formatSigned(d.delta)} ${dir}${verdict}`;
}

function deltaTable(e: ExperimentReport, target: string): string[] {
  if (!e.deltas.length) return [];
  const lines = [`| metric | goal | this pipeline (best) | \`${mdText(target, 60)}\` (best) | Δ |`, '|---|---|---:|---:|---|'];
  for (const d of e.deltas) {
    lines.push(`| ${mdText(d.metric)} | ${d.goal ?? '–'} | ${formatNumber(d.current)} | ${formatNumber(d.target)} | ${arrow(d)} |`);
  }
  return [...lines, ''];
}

function runName(r: RunRow, best: RunRow | undefined): string {
  const name = mdText(r.run.name, 60);
  return r === best ? `**${name}** ⭐` : name;
}

function runLinks(r: RunRow): string {
  return [mdLink('MLflow', r.run.mlflowUrl), mdLink('job', r.run.jobUrl)].filter(Boolean).join(' · ') || '–';
}

function metricCell(r: RunRow, m: string): string {
  const s = r.stats[m];
  return s ? `${formatNumber(s.final)} / ${formatNumber(s.best)}` : '–';
}

function runsTable(e: ExperimentReport, rows: RunRow[], withDelta: boolean): string[] {
  const head = ['#', 'run', 'status', ...e.sweptParams.map((p) => mdText(p, 40)), ...e.metrics.map((m) => `${mdText(m, 40)} final / best`)];
  if (withDelta) head.push(`${mdText(e.primary!, 40)} Δ target`);
  head.push('links');
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const cells = [r.rank === undefined ? '' : String(r.rank), runName(r, e.best), r.run.status.toLowerCase(),
      ...e.sweptParams.map((p) => mdText(r.run.params[p] ?? '–', 40)), ...e.metrics.map((m) => metricCell(r, m))];
    if (withDelta) cells.push(r.primaryDelta === undefined ? '–' : formatSigned(r.primaryDelta));
    cells.push(runLinks(r));
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines;
}

function experimentSection(report: Report, e: ExperimentReport, o: MarkdownOptions, withImages: boolean): string[] {
  const out = [`### ${mdText(e.experiment)}`, ''];
  const counts = `${e.rows.length} run(s): ${e.rows.length - e.failed.length} not failed, ${e.failed.length} failed`;
  const ranking = e.primary ? `ranked by **${mdText(e.primary)}** (${e.goals[e.primary] ?? 'no goal'})` : 'no primary metric: not ranked';
  out.push(`${counts}; ${ranking}.`);
  const fixed = Object.entries(e.fixedParams);
  if (fixed.length) out.push(`Params shared by every run: ${fixed.map(([k, v]) => `\`${mdText(k, 40)}\`=${mdText(v, 40)}`).join(', ')}.`);
  out.push('');
  const target = report.subject.targetBranch;
  if (e.deltas.length && target) {
    out.push(`Compared with the latest runs on \`${mdText(target, 60)}\`${e.baselinePipeline ? ` (pipeline ${mdText(e.baselinePipeline, 40)}, ${e.baselineRuns} run(s))` : ''}:`, '');
    out.push(...deltaTable(e, target));
  } else if (e.noBaseline) {
    out.push(`No deltas: ${mdText(e.noBaseline, 300)}.`, '');
  }
  if (e.best && e.primary) {
    out.push(`Best run: **${mdText(e.best.run.name, 60)}** with ${mdText(e.primary)} = ${formatNumber(e.best.stats[e.primary]!.best)} (${runLinks(e.best)}).`, '');
  }
  const { shown, failedShown, hidden } = topRows(e, o.topN);
  if (shown.length) {
    const good = e.rows.length - e.failed.length;
    out.push(shown.length < good ? `Top ${shown.length} of ${good} runs:` : 'Runs:', '');
    out.push(...runsTable(e, shown, e.primary !== undefined && e.rows.some((r) => r.primaryDelta !== undefined)), '');
  }
  if (e.failed.length) {
    out.push(`Failed runs (${e.failed.length}):`, '');
    for (const r of failedShown) out.push(`- ${mdText(r.run.name, 60)}: ${r.run.status.toLowerCase()} (${runLinks(r)})`);
    if (failedShown.length < e.failed.length) out.push(`- … ${e.failed.length - failedShown.length} more`);
    out.push('');
  }
  if (hidden > 0) out.push(`${hidden} more run(s) are in the full report${o.fullReportUrl ? ` (${mdLink('report.html', o.fullReportUrl)})` : ' (report.html, a job artifact)'}.`, '');
  const charts = o.charts.filter((c) => c.experiment === e.experiment);
  if (withImages && charts.length) {
    const images = charts.filter((c) => o.images[c.id]).map((c) => o.images[c.id]!);
    if (images.length) out.push('<details open><summary>Charts</summary>', '', ...images.flatMap((m) => [m, '']), '</details>', '');
  }
  return out;
}

export function renderMarkdown(report: Report, o: MarkdownOptions, withImages = true): string {
  const s = report.subject;
  const where = [s.branch ? `\`${mdText(s.branch, 80)}\`` : undefined, s.sha ? `@ ${mdText(s.sha.slice(0, 12), 12)}` : undefined].filter(Boolean).join(' ');
  const title = mdLink(mdText(s.title, 80), s.pipelineUrl) ?? mdText(s.title, 80);
  const t = report.totals;
  const out = [REPORT_MARKER, `## dap report: ${title}${where ? ` on ${where}` : ''}`, ''];
  out.push(`${report.experiments.length} experiment(s), ${t.runs} run(s): ${t.finished} finished, ${t.failed} failed, ${t.runs - t.finished - t.failed} other.`, '');
  for (const e of report.experiments) out.push(...experimentSection(report, e, o, withImages));
  out.push('<sub>Written by <code>dap report</code>; it updates this comment in place on every pipeline.</sub>');
  return out.join('\n') + '\n';
}

/** The largest view that fits `limit` characters: fewer runs first, then no charts, then totals only. */
export function fitMarkdown(report: Report, o: MarkdownOptions, limit: number): { text: string; topN: number; images: boolean } {
  for (const images of [true, false]) {
    for (let n = o.topN; n >= 1; n = n === 1 ? 0 : Math.max(1, Math.floor(n / 2))) {
      const text = renderMarkdown(report, { ...o, topN: n }, images);
      if (text.length <= limit) return { text, topN: n, images };
    }
  }
  const t = report.totals;
  const text = `${REPORT_MARKER}\n## dap report: ${mdText(report.subject.title, 80)}\n\n${t.runs} run(s): ${t.finished} finished, ${t.failed} failed. The comparison is too large for a comment: see report.html (a job artifact).\n`;
  return { text: text.slice(0, limit), topN: 0, images: false };
}
