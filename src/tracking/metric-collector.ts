import type { JournalPoint } from './events.js';
import { int64Problem } from '../core/mlflow/limits.js';
import { toMetricValue } from '../core/mlflow/values.js';
import { keyProblem } from '../adapters/mlflow/index.js';

// Turns what a training process writes into journal points. Bad input never throws: it is
// counted, the first few of each kind are reported, and the rest of the stream goes on.

export type WarningKind = 'malformed' | 'key' | 'value' | 'range';

export class WarningCounter {
  readonly counts: Record<WarningKind, number> = { malformed: 0, key: 0, value: 0, range: 0 };
  constructor(private readonly write: (line: string) => void, private readonly maxShown = 5) {}

  warn(kind: WarningKind, message: string): void {
    this.counts[kind]++;
    if (this.counts[kind] <= this.maxShown) this.write(`dap track: warning: ${message}`);
    else if (this.counts[kind] === this.maxShown + 1) this.write(`dap track: warning: more ${kind} problems; counting them silently`);
  }

  total(): number {
    return this.counts.malformed + this.counts.key + this.counts.value + this.counts.range;
  }

  summary(): string | undefined {
    if (this.total() === 0) return undefined;
    const parts = [];
    if (this.counts.malformed) parts.push(`${this.counts.malformed} malformed line(s)`);
    if (this.counts.key) parts.push(`${this.counts.key} illegal key(s)`);
    if (this.counts.value) parts.push(`${this.counts.value} non-numeric value(s)`);
    if (this.counts.range) parts.push(`${this.counts.range} point(s) with a step or timestamp MLflow cannot store`);
    return `skipped ${parts.join(', ')}`;
  }
}

/** Reserved fields of a dict-form line; every other field is a metric. */
const DICT_META = new Set(['step', 'timestamp']);

export class MetricCollector {
  /** the latest timestamp dap gave the key (explicit timestamps do not move it: one bad one must not carry over) */
  private readonly lastAutoTs = new Map<string, number>();
  private readonly lastStep = new Map<string, number>();
  private readonly lastValue = new Map<string, unknown>();

  constructor(readonly warnings: WarningCounter, private readonly now: () => number = Date.now) {}

  /** One line of a metrics JSONL stream: `{"key","value","step"?,"timestamp"?}` or `{"step"?, name: value, ...}`. */
  fromJsonLine(line: string, where: string): JournalPoint[] {
    const text = line.trim();
    if (!text) return [];
    const obj = parseJsonLenient(text);
    if (obj === undefined) {
      this.warnings.warn('malformed', `${where}: not a JSON object: ${clip(text)}`);
      return [];
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
      this.warnings.warn('malformed', `${where}: not a JSON object: ${clip(text)}`);
      return [];
    }
    const rec = obj as Record<string, unknown>;
    const step = optionalInt(rec.step);
    const ts = optionalTimestamp(rec.timestamp);
    if (step === null || ts === null) {
      this.warnings.warn('malformed', `${where}: "step" must be an integer and "timestamp" a number (ms): ${clip(text)}`);
      return [];
    }
    const range = (step === undefined ? undefined : int64Problem('step', step)) ?? (ts === undefined ? undefined : int64Problem('timestamp', ts));
    if (range) {
      this.warnings.warn('range', `${where}: ${range}; the line is skipped: ${clip(text)}`);
      return [];
    }
    if (typeof rec.key === 'string' && 'value' in rec) {
      const p = this.point(rec.key, rec.value, step, ts, where);
      return p ? [p] : [];
    }
    const out: JournalPoint[] = [];
    for (const [k, v] of Object.entries(rec)) {
      if (DICT_META.has(k)) continue;
      const p = this.point(k, v, step, ts, where);
      if (p) out.push(p);
    }
    if (out.length === 0 && Object.keys(rec).every((k) => DICT_META.has(k))) {
      this.warnings.warn('malformed', `${where}: no metric in line: ${clip(text)}`);
    }
    return out;
  }

  /** The step of the key's latest point, if it has one. */
  lastStepOf(key: string): number | undefined {
    return this.lastStep.get(key);
  }

  /** The value of the key's latest point, if it has one. */
  lastValueOf(key: string): unknown {
    return this.lastValue.get(key);
  }

  /**
   * One metric value. Without a step, the key's previous step + 1 (0 first); without a timestamp,
   * now — but always after the previous timestamp dap gave the key, so two points never collapse
   * into one row. A point MLflow would refuse (key, value, step or timestamp) is reported and dropped
   * and leaves the key's state as it was.
   */
  point(key: string, raw: unknown, step: number | undefined, ts: number | undefined, where: string): JournalPoint | undefined {
    const problem = keyProblem(key);
    if (problem) {
      this.warnings.warn('key', `${where}: metric key ${JSON.stringify(clip(key))} rejected: ${problem}`);
      return undefined;
    }
    const v = toMetricValue(raw);
    if (v === undefined) {
      this.warnings.warn('value', `${where}: metric ${JSON.stringify(key)} has non-numeric value ${clip(JSON.stringify(raw) ?? String(raw))}`);
      return undefined;
    }
    const s = step ?? (this.lastStep.has(key) ? this.lastStep.get(key)! + 1 : 0);
    const range = int64Problem('step', s) ?? (ts === undefined ? undefined : int64Problem('timestamp', ts));
    if (range) {
      this.warnings.warn('range', `${where}: metric ${JSON.stringify(key)} skipped: ${range}`);
      return undefined;
    }
    let t = ts;
    if (t === undefined) {
      t = Math.max(this.now(), (this.lastAutoTs.get(key) ?? -1) + 1);
      this.lastAutoTs.set(key, t);
    }
    this.lastStep.set(key, s);
    this.lastValue.set(key, v);
    return { k: key, v, s, ts: t };
  }
}

/** JSON, plus the bare NaN / Infinity / -Infinity that Python's json.dumps writes. */
function parseJsonLenient(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    if (!/NaN|Infinity/.test(text)) return undefined;
    try {
      return JSON.parse(text.replace(/([:\[,]\s*)(-?Infinity|NaN)(?=\s*[,}\]])/g, '$1"$2"'));
    } catch {
      return undefined;
    }
  }
}

function optionalInt(x: unknown): number | undefined | null {
  if (x === undefined || x === null) return undefined;
  if (typeof x === 'number' && Number.isInteger(x)) return x;
  if (typeof x === 'string' && /^-?\d+$/.test(x.trim())) return Number(x); // beyond 2^53: refused as too large by the caller
  return null;
}

/** ms since the epoch; a value that looks like seconds (Python's time.time()) is converted. */
function optionalTimestamp(x: unknown): number | undefined | null {
  if (x === undefined || x === null) return undefined;
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) return null;
  return Math.round(x < 1e11 ? x * 1000 : x);
}

function clip(s: string): string {
  return s.length > 120 ? s.slice(0, 117) + '...' : s;
}
