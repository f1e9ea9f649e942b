import fs from 'node:fs';
import type { JournalPoint } from './events.js';
import type { MetricCollector } from './metric-collector.js';
import { parseNumericText } from '../core/mlflow/values.js';

// End-of-run metric files a spec declares (metrics.files): metrics.json, *.csv, *.jsonl.

/** Reads one declared file; a missing file is reported by the caller, not here. */
export function readMetricFile(file: string, collector: MetricCollector): JournalPoint[] {
  const text = fs.readFileSync(file, 'utf8');
  if (/\.csv$/i.test(file)) return fromCsv(text, file, collector);
  if (/\.jsonl$|\.ndjson$/i.test(file)) {
    return text.split('\n').flatMap((line, i) => collector.fromJsonLine(line, `${file}:${i + 1}`));
  }
  return fromJson(text, file, collector);
}

/**
 * `{key: value}` or `{key: [v0, v1, …]}` (steps 0…n-1). A single value is the final value of the key:
 * at the step of its last streamed point (so it is MLflow's latest value), step 0 when never streamed.
 */
function fromJson(text: string, file: string, collector: MetricCollector): JournalPoint[] {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    collector.warnings.warn('malformed', `${file}: not valid JSON (${(e as Error).message})`);
    return [];
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
    collector.warnings.warn('malformed', `${file}: expected an object {metric: value} or {metric: [values]}`);
    return [];
  }
  const out: JournalPoint[] = [];
  for (const [key, val] of Object.entries(obj as Record<string, unknown>)) {
    const values = Array.isArray(val) ? val : [val];
    // a final value that repeats the key's last streamed point adds nothing
    if (!Array.isArray(val) && collector.lastStepOf(key) !== undefined && collector.lastValueOf(key) === val) continue;
    values.forEach((v, i) => {
      const p = collector.point(key, v, Array.isArray(val) ? i : (collector.lastStepOf(key) ?? 0), undefined, file);
      if (p) out.push(p);
    });
  }
  return out;
}

const STEP_COLUMNS = ['step', 'epoch', 'iteration', 'iter'];

/** A header row, then one row per step; a step/epoch column is the step, otherwise the row number. */
function fromCsv(text: string, file: string, collector: MetricCollector): JournalPoint[] {
  const rows = text.split(/\r?\n/).filter((l) => l.trim() !== '').map(splitCsvLine);
  const header = rows.shift();
  if (!header) return [];
  const stepCol = header.findIndex((h) => STEP_COLUMNS.includes(h.trim().toLowerCase()));
  const tsCol = header.findIndex((h) => h.trim().toLowerCase() === 'timestamp');
  const out: JournalPoint[] = [];
  rows.forEach((row, r) => {
    const where = `${file}:${r + 2}`;
    if (row.length !== header.length) {
      collector.warnings.warn('malformed', `${where}: ${row.length} cells, header has ${header.length}`);
      return;
    }
    let step = r;
    if (stepCol >= 0) {
      const s = Number(row[stepCol]);
      if (!Number.isInteger(s)) {
        collector.warnings.warn('malformed', `${where}: step ${JSON.stringify(row[stepCol])} is not an integer`);
        return;
      }
      step = s;
    }
    const tsRaw = tsCol >= 0 ? Number(row[tsCol]) : NaN;
    const ts = Number.isFinite(tsRaw) ? Math.round(tsRaw < 1e11 ? tsRaw * 1000 : tsRaw) : undefined;
    header.forEach((h, c) => {
      if (c === stepCol || c === tsCol) return;
      const cell = row[c] ?? '';
      if (cell.trim() === '') return; // a metric not measured at this step
      const v = parseNumericText(cell);
      const p = collector.point(h.trim(), v ?? cell, step, ts, where);
      if (p) out.push(p);
    });
  });
  return out;
}

function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { cells.push(cur); cur = ''; }
    else cur += ch;
  }
  cells.push(cur);
  return cells;
}
