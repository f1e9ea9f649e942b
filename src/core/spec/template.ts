// `{{ params.NAME }}` in argv commands, and the environment-variable names parameters get.
// The pipeline generator renders argv with these pieces; validation uses them to check references.

export type ArgvPiece = { text: string } | { param: string };

/** Any `{{ … }}` (non-greedy, single line). */
const TEMPLATE = /\{\{(.*?)\}\}/g;
const PARAM_REF = /^\s*params\.([A-Za-z_][A-Za-z0-9_]*)\s*$/;

export interface TemplateMatch {
  /** the whole `{{ … }}` text */
  raw: string;
  index: number;
  /** the parameter name, or undefined when the template is not `params.NAME` */
  param?: string;
}

export function findTemplates(text: string): TemplateMatch[] {
  const out: TemplateMatch[] = [];
  for (const m of text.matchAll(TEMPLATE)) {
    out.push({ raw: m[0], index: m.index ?? 0, param: PARAM_REF.exec(m[1] ?? '')?.[1] });
  }
  return out;
}

/**
 * Split one argv item into literal text and parameter references. The generator quotes the
 * whole item as one shell word after substituting the values, e.g. `--lr={{ params.lr }}`.
 * Throws on templates that are not `{{ params.NAME }}` (validation rejects those first).
 */
export function parseArgvItem(item: string): ArgvPiece[] {
  const pieces: ArgvPiece[] = [];
  let last = 0;
  for (const t of findTemplates(item)) {
    if (t.param === undefined) throw new Error(`unsupported template ${t.raw}`);
    if (t.index > last) pieces.push({ text: item.slice(last, t.index) });
    pieces.push({ param: t.param });
    last = t.index + t.raw.length;
  }
  if (last < item.length) pieces.push({ text: item.slice(last) });
  return pieces;
}

/** Substitute parameter values into one argv item (values as their canonical string form). */
export function renderArgvItem(item: string, params: Record<string, string | number | boolean>): string {
  return parseArgvItem(item)
    .map((p) => ('text' in p ? p.text : paramValueString(params[p.param])))
    .join('');
}

/** How a parameter value is spelled in env vars and argv: strings as-is, numbers in JS shortest form. */
export function paramValueString(value: string | number | boolean | undefined): string {
  if (value === undefined) throw new Error('unknown parameter');
  return typeof value === 'string' ? value : String(value);
}

/** `lr` → `DAP_PARAM_LR`: each parameter reaches the job as this environment variable. */
export function paramEnvName(name: string): string {
  return `DAP_PARAM_${name.toUpperCase()}`;
}
