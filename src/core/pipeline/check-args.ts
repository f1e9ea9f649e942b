// The committed pipeline's dap_check line (`dap generate --check ARGS`) records how the user
// generated it; `dap submit` regenerates with the same ARGS so it never changes the mode or the
// selection behind the user's back. Words are ours (shellArg): plain, or single-quoted with '\''.

import { LIMIT_FLAGS } from './limits.js';
import type { Limits } from './types.js';

export interface GenerateArgs {
  static?: boolean;
  out?: string;
  report?: boolean;
  tracking?: boolean;
  none?: boolean;
  limits: Partial<Limits>;
  files: string[];
}

export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated quote in: ${line}`);
      cur = (cur ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '\\' && i + 1 < line.length) {
      cur = (cur ?? '') + line[++i];
    } else if (/\s/.test(c)) {
      if (cur !== undefined) words.push(cur);
      cur = undefined;
    } else {
      cur = (cur ?? '') + c;
    }
  }
  if (cur !== undefined) words.push(cur);
  return words;
}

/** undefined when the config has no dap_check job of ours (a hand-written or static-less file) */
export function generateArgsOf(config: Record<string, unknown>): GenerateArgs | undefined {
  const script = (config.dap_check as { script?: unknown } | undefined)?.script;
  const line = Array.isArray(script) && typeof script[0] === 'string' ? script[0] : undefined;
  if (!line?.startsWith('dap generate --check')) return undefined;
  const words = shellWords(line).slice(3);
  const byFlag = new Map(Object.entries(LIMIT_FLAGS).map(([k, f]) => [f, k as keyof Limits]));
  const out: GenerateArgs = { limits: {}, files: [] };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--static') out.static = true;
    else if (w === '--report') out.report = true;
    else if (w === '--no-tracking') out.tracking = false;
    else if (w === '--none') out.none = true;
    else if (w === '--out') out.out = words[++i];
    else if (byFlag.has(w)) out.limits[byFlag.get(w)!] = Number(words[++i]);
    else out.files.push(w);
  }
  return out;
}
