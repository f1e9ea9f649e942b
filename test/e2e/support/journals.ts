// What the journals say a run holds, read straight from the JSON lines (not through dap's own
// reader), so the tests compare MLflow's contents with the files jobs actually wrote.

import fs from 'node:fs';
import path from 'node:path';

export interface JournaledPoint { step: number; value: number | string; ts: number }

export interface JournaledRun {
  file: string;
  identity: string;
  experiment: string;
  runKey?: string;
  runName: string;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** per metric key, in journal order */
  points: Record<string, JournaledPoint[]>;
  artifacts: Array<{ path: string; dest: string }>;
  status?: string;
}

export function readJournals(dir: string): JournaledRun[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort().map((f) => readJournal(path.join(dir, f)));
}

export function readJournal(file: string): JournaledRun {
  const run: JournaledRun = { file, identity: '', experiment: '', runName: '', params: {}, tags: {}, points: {}, artifacts: [] };
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const e = JSON.parse(line) as Record<string, any>;
    switch (e.t) {
      case 'open': Object.assign(run, { identity: e.identity, experiment: e.experiment, runKey: e.runKey, runName: e.runName }); break;
      case 'params': Object.assign(run.params, e.params); break;
      case 'tags': Object.assign(run.tags, e.tags); break;
      case 'metrics':
        for (const p of e.points as Array<{ k: string; v: number | string; s: number; ts: number }>) (run.points[p.k] ??= []).push({ step: p.s, value: p.v, ts: p.ts });
        break;
      case 'artifact': run.artifacts.push({ path: e.path, dest: e.dest }); break;
      case 'status': run.status = e.status; break;
    }
  }
  if (!run.identity) throw new Error(`${file} has no open event`);
  return run;
}

/** Points as comparable strings `step|value|timestamp`, sorted (a multiset: duplicates stay). */
export function pointKeys(points: Array<JournaledPoint | [number, number | string, number]>): string[] {
  return points.map((p) => (Array.isArray(p) ? `${p[0]}|${p[1]}|${p[2]}` : `${p.step}|${p.value}|${p.ts}`)).sort();
}
