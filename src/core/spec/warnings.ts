import type { Problem } from '../../errors.js';
import { offsetInside, offsetOf, problemAt, type PathSegment, type SpecDocument } from './document.js';
import { paramNames } from './semantics.js';
import { findTemplates, paramEnvName } from './template.js';

// Things that are legal but almost surely a mistake: reported with their position, never fatal.

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `$DAP_PARAM_X` / `${DAP_PARAM_X}` in shell text. */
const ENV_REF = /\$\{?(DAP_PARAM_[A-Za-z0-9_]+)\}?/g;

export function specWarnings(sd: SpecDocument): Problem[] {
  const data = sd.data;
  if (!isObj(data)) return [];
  const command = data.command;
  const texts: Array<{ text: string; path: PathSegment[] }> = typeof command === 'string'
    ? [{ text: command, path: ['command'] }]
    : Array.isArray(command) ? command.flatMap((c, i) => (typeof c === 'string' ? [{ text: c, path: ['command', i] }] : [])) : [];
  const { any } = paramNames(data);
  const byEnv = new Map([...any].map((p) => [paramEnvName(p), p]));
  const used = new Set<string>();
  const warnings: Problem[] = [];
  for (const { text, path } of texts) {
    for (const t of findTemplates(text)) if (t.param) used.add(t.param);
    for (const m of text.matchAll(ENV_REF)) {
      const param = byEnv.get(m[1]!);
      if (param !== undefined) { used.add(param); continue; }
      const known = [...byEnv.keys()].sort().map((e) => `$${e}`);
      warnings.push(problemAt(sd, offsetInside(sd, path, m[0]), `warning: ${m[0]} is not a parameter of this experiment (${known.length ? `known: ${known.join(', ')}` : 'it defines no params'}); every run would find it empty`));
    }
  }
  for (const p of [...any].sort()) {
    if (used.has(p)) continue;
    warnings.push(problemAt(sd, offsetOf(sd, paramPath(data, p), 'key'), `warning: parameter "${p}" is not used by command (no {{ params.${p} }} or $${paramEnvName(p)}); it is still logged with every run, so unless the script reads $${paramEnvName(p)} or $DAP_PARAMS_FILE itself, pass it in command`));
  }
  return warnings;
}

/** Where a parameter is first defined: fixed params, then the sweep. */
function paramPath(data: Obj, name: string): PathSegment[] {
  if (isObj(data.params) && name in data.params) return ['params', name];
  const sweep = isObj(data.sweep) ? data.sweep : {};
  if (isObj(sweep.grid) && name in sweep.grid) return ['sweep', 'grid', name];
  if (isObj(sweep.random) && isObj(sweep.random.space) && name in sweep.random.space) return ['sweep', 'random', 'space', name];
  if (Array.isArray(sweep.list)) {
    const i = sweep.list.findIndex((c) => isObj(c) && name in c);
    if (i >= 0) return ['sweep', 'list', i, name];
  }
  return ['params'];
}
